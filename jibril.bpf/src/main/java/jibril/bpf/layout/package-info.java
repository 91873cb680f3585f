/**
 * Java mirrors of src/main/bpf/jibril.h, the layout shared by the BPF programs and userland: struct sizes and
 * member offsets, decoders, counters, flags, file action names and the task and string key functions. LayoutTest
 * checks them against the BTF of the compiled objects.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package jibril.bpf.layout;
