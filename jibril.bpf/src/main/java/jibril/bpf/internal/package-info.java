/** The JNA mappings of libbpf and libc and helpers behind {@link jibril.bpf}; never exported. */
package jibril.bpf.internal;
