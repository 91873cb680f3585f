package jibril.bpf;

/**
 * A libbpf or bpf() syscall failure. The message says what was attempted, the errno's name and text and, when
 * libbpf or the verifier said more, the tail of what they said.
 */
public class BpfException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/** The positive errno, 0 when none applies. */
	private final int errno;

	/**
	 * Creates an exception.
	 *
	 * @param message what failed and why, ready to show to a user
	 * @param errno the positive errno (or libbpf error code), 0 when none applies
	 */
	public BpfException(String message, int errno) {
		super(message);
		this.errno = errno;
	}

	/**
	 * Creates an exception with a cause.
	 *
	 * @param message what failed and why, ready to show to a user
	 * @param errno the positive errno (or libbpf error code), 0 when none applies
	 * @param cause the underlying exception
	 */
	public BpfException(String message, int errno, Throwable cause) {
		super(message, cause);
		this.errno = errno;
	}

	/**
	 * The positive errno of the failure: E2BIG (7) for a full map, EEXIST (17) for an update with
	 * {@link UpdateFlag#NOEXIST} of an existing key, EACCES (13) for a program the verifier rejected, and so on.
	 * libbpf's own errors use codes from 4000 up.
	 *
	 * @return the errno, or 0 when none applies
	 */
	public int errno() {
		return errno;
	}
}
