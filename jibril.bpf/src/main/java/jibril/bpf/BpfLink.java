package jibril.bpf;

import java.nio.file.Path;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;

/**
 * An attachment of a program (libbpf's {@code struct bpf_link}). Closing it detaches the program unless the link
 * is pinned, in which case the pin keeps it attached until {@link #unpin()} (or removing the pin file). Thread-safe.
 */
public final class BpfLink implements AutoCloseable {

	/** sizeof(struct bpf_link_info) as of Linux 6.x; the kernel fills no more than it has. */
	private static final int INFO_SIZE = 64;

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
	 * The kernel's id of the link, as {@code bpftool link show} lists it.
	 *
	 * @return the id
	 * @throws BpfException when the kernel does not answer
	 * @throws IllegalStateException when the link is closed
	 */
	public synchronized int id() {
		return info().id();
	}

	/**
	 * What the kernel says about the link now (bpf_obj_get_info_by_fd): another process may have detached it
	 * (BPF_LINK_DETACH, {@code bpftool link detach}) or given it another program (BPF_LINK_UPDATE) meanwhile.
	 *
	 * @return the link's type, id, program and target
	 * @throws BpfException when the kernel does not answer
	 * @throws IllegalStateException when the link is closed
	 */
	public synchronized Info info() {
		return infoOf(bpf, fd(), "of program '" + programName + "'");
	}

	static Info infoOf(LibBpf bpf, int fd, String what) {
		try (Memory info = new Memory(INFO_SIZE); Memory len = new Memory(4)) {
			info.clear();
			len.setInt(0, INFO_SIZE);
			int rc = bpf.bpf_obj_get_info_by_fd(fd, info, len);
			if (rc < 0) {
				throw Errno.error("cannot read the info of the link " + what, Errno.of(rc));
			}
			return new Info(info.getInt(0), info.getInt(4), info.getInt(8), info.getLong(16));
		}
	}

	/**
	 * A link as the kernel describes it ({@code struct bpf_link_info}).
	 *
	 * @param type enum bpf_link_type ({@link #TYPE_CGROUP}, ...)
	 * @param id the link's id
	 * @param programId the id of the program it attaches
	 * @param target for a cgroup link, the cgroup's id, 0 once the link is detached; for a netns link the namespace's
	 *            inode and for xdp/tcx/netkit links the interface index in the low 32 bits, 0 once detached; other
	 *            types: their first 8 bytes of type-specific data (not interpreted)
	 */
	public record Info(int type, int id, int programId, long target) {

		/** BPF_LINK_TYPE_RAW_TRACEPOINT (tp_btf and raw_tp programs). */
		public static final int TYPE_RAW_TRACEPOINT = 1;
		/** BPF_LINK_TYPE_TRACING. */
		public static final int TYPE_TRACING = 2;
		/** BPF_LINK_TYPE_CGROUP. */
		public static final int TYPE_CGROUP = 3;
		/** BPF_LINK_TYPE_NETNS. */
		public static final int TYPE_NETNS = 5;
		/** BPF_LINK_TYPE_XDP. */
		public static final int TYPE_XDP = 6;
		/** BPF_LINK_TYPE_PERF_EVENT (tracepoint, kprobe and uprobe programs attached through a perf event). */
		public static final int TYPE_PERF_EVENT = 7;
		/** BPF_LINK_TYPE_TCX. */
		public static final int TYPE_TCX = 11;
		/** BPF_LINK_TYPE_NETKIT. */
		public static final int TYPE_NETKIT = 13;

		/**
		 * Whether the link still attaches its program to its target. The kernel lets another process detach only
		 * links that have a target to lose (BPF_LINK_DETACH fails with EOPNOTSUPP on the other types), and such a
		 * link reports a zero target once detached.
		 *
		 * @return false when the link was detached
		 */
		public boolean attached() {
			return switch (type) {
				case TYPE_CGROUP -> target != 0;
				case TYPE_NETNS, TYPE_XDP, TYPE_TCX, TYPE_NETKIT -> (int) target != 0;
				default -> true;
			};
		}
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
