package jibril.bpf;

/**
 * Receives libbpf's own messages (and the binding's diagnostics). Called on whichever thread is inside libbpf;
 * implementations must be thread-safe, quick, and should not throw (exceptions are dropped).
 */
@FunctionalInterface
public interface BpfLog {

	/** libbpf's LIBBPF_WARN level. */
	int WARN = 0;
	/** libbpf's LIBBPF_INFO level. */
	int INFO = 1;
	/** libbpf's LIBBPF_DEBUG level: very chatty while objects are opened and loaded. */
	int DEBUG = 2;

	/**
	 * Handles one message.
	 *
	 * @param level {@link #WARN}, {@link #INFO} or {@link #DEBUG}
	 * @param message the formatted message without its trailing newline (libbpf's start with "libbpf: ")
	 */
	void log(int level, String message);
}
