/** Placeholder until the binding lands. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package jibril.bpf;
