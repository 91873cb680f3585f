package jibril.core.api;

/**
 * How jibril.core registers what it loaded: each BPF object as a {@code jibril.bpf.BpfObject} service with the
 * property {@link #OBJECT}, and the {@code jibril.bpf.BpfRuntime} it loaded them with. Other bundles select
 * objects with a target filter such as {@code (jibril.bpf.object=tasks)}.
 */
public final class BpfServices {

    /** Service property of a registered BPF object: its name ({@code tasks}, …). */
    public static final String OBJECT = "jibril.bpf.object";

    private BpfServices() {
    }
}
