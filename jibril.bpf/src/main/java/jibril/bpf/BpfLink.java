package jibril.bpf;

import java.nio.file.Path;

import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;

/**
 * An attachment of a program (libbpf's {@code struct bpf_link}). Closing it detaches the program unless the link
 * is pinned, in which case the pin keeps it attached until {@link #unpin()} (or removing the pin file). Thread-safe.
 */
public final class BpfLink implements AutoCloseable {

	private final LibBpf bpf;
	private final String programName;
	private Pointer link;
	private String pinPath;

	BpfLink(LibBpf bpf, Pointer link, String programName) {
		this.bpf = bpf;
		this.link = link;
		this.programName = programName;
	}

	/**
	 * The name of the attached program.
	 *
	 * @return e.g. "jibril_exec"
	 */
	public String programName() {
		return programName;
	}

	/**
	 * The link's fd.
	 *
	 * @return the fd (libbpf owns it)
	 * @throws IllegalStateException when the link is closed
	 */
	public synchronized int fd() {
		return bpf.bpf_link__fd(handle());
	}

	/**
	 * Pins the link in a bpffs, so that the attachment outlives this process.
	 *
	 * @param path where to pin; the parent directory must exist
	 * @throws BpfException when the pin cannot be created (EEXIST when something is pinned there)
	 */
	public synchronized void pin(Path path) {
		String p = path.toAbsolutePath().toString();
		int rc = bpf.bpf_link__pin(handle(), p);
		if (rc < 0) {
			throw Errno.error("cannot pin the link of program '" + programName + "' at " + p, -rc);
		}
		pinPath = p;
	}

	/**
	 * Removes the link's pin, if any.
	 *
	 * @throws BpfException when the pin cannot be removed
	 */
	public synchronized void unpin() {
		if (pinPath == null) {
			return;
		}
		int rc = bpf.bpf_link__unpin(handle());
		if (rc < 0) {
			throw Errno.error("cannot unpin the link of program '" + programName + "' at " + pinPath, -rc);
		}
		pinPath = null;
	}

	/**
	 * Where the link is pinned.
	 *
	 * @return the pin path, or null
	 */
	public synchronized Path pinPath() {
		return pinPath == null ? null : Path.of(pinPath);
	}

	/**
	 * Whether {@link #close()} was called.
	 *
	 * @return true once closed
	 */
	public synchronized boolean isClosed() {
		return link == null;
	}

	/** Destroys the link (bpf_link__destroy): the program is detached unless the link is pinned. Idempotent. */
	@Override
	public synchronized void close() {
		if (link != null) {
			bpf.bpf_link__destroy(link);
			link = null;
		}
	}

	@Override
	public String toString() {
		return "BpfLink[" + programName + (pinPath == null ? "" : " pinned at " + pinPath) + "]";
	}

	private Pointer handle() {
		if (link == null) {
			throw new IllegalStateException("the link of program '" + programName + "' is closed");
		}
		return link;
	}
}
