package jibril.core.api;

import org.osgi.annotation.versioning.ProviderType;

/** The running daemon process. Implemented by the jibril.hold bundle. */
@ProviderType
public interface Daemon {

    /** Exit code for a configuration that cannot be used (sysexits EX_CONFIG). */
    int EXIT_CONFIG = 78;
    /** Exit code when the host cannot run Jibril: not root, no BTF, no eBPF (sysexits EX_UNAVAILABLE). */
    int EXIT_UNAVAILABLE = 69;

    /**
     * Stops the framework in order and then ends the process with the given exit code.
     * Returns at once; the stop runs on its own thread.
     *
     * @param code   process exit code
     * @param reason why, for the log
     */
    void exit(int code, String reason);
}
