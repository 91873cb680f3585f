/**
 * Typed binding of libbpf 1.x (libbpf.so.1) through JNA: open, load and attach BPF objects, read and write maps,
 * consume ring buffers. Start with {@link jibril.bpf.BpfRuntime}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package jibril.bpf;
