package jibril.bpf;

import java.nio.file.Path;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;

/** A program of a {@link BpfObject} (libbpf's {@code struct bpf_program}); valid while its object is open. */
public final class BpfProgram {

	/** bpf_prog_info up to and including id; the kernel fills no more than asked for. */
	private static final int INFO_SIZE = 8;

	private final BpfObject owner;
	private final LibBpf bpf;
	private final Pointer prog;
	private final String name;
	private final String sectionName;

	BpfProgram(BpfObject owner, LibBpf bpf, Pointer prog) {
		this.owner = owner;
		this.bpf = bpf;
		this.prog = prog;
		this.name = bpf.bpf_program__name(prog);
		this.sectionName = bpf.bpf_program__section_name(prog);
	}

	/**
	 * The program's C function name.
	 *
	 * @return e.g. "jibril_exec"
	 */
	public String name() {
		return name;
	}

	/**
	 * The ELF section, which tells libbpf how to attach the program.
	 *
	 * @return e.g. "tp_btf/sched_process_exec"
	 */
	public String sectionName() {
		return sectionName;
	}

	/**
	 * The program's fd, owned by its object.
	 *
	 * @return the fd, or a negative value before the object is loaded or when autoload was off
	 */
	public int fd() {
		owner.ensureOpen();
		return bpf.bpf_program__fd(prog);
	}

	/**
	 * Whether the program is loaded (and attached by {@link BpfObject#attachAll()}); on by default.
	 *
	 * @return the autoload flag
	 */
	public boolean autoload() {
		owner.ensureOpen();
		return bpf.bpf_program__autoload(prog) != 0;
	}

	/**
	 * Turns loading of this program on or off; only before {@link BpfObject#load()}.
	 *
	 * @param autoload whether to load the program
	 * @throws BpfException when the object is already loaded
	 */
	public void setAutoload(boolean autoload) {
		owner.ensureOpen();
		int rc = bpf.bpf_program__set_autoload(prog, autoload);
		if (rc < 0) {
			throw Errno.error("cannot change autoload of program '" + name + "' (only before load)", -rc);
		}
	}

	/**
	 * Attaches the program as its section name says; the link is also destroyed when the object is closed.
	 *
	 * @return the link
	 * @throws BpfException when the kernel refuses the attachment
	 */
	public BpfLink attach() {
		return owner.attach(this);
	}

	/**
	 * Attaches a cgroup program (section {@code cgroup_skb/...}, {@code cgroup/...}) to a cgroup v2 directory and
	 * its descendants, through a BPF link (multi-attach: other programs on the same cgroup stay); the link is also
	 * destroyed, and the program detached, when the object is closed.
	 *
	 * @param cgroupDir a directory of the cgroup v2 hierarchy, e.g. {@link BpfRuntime#cgroup2Root()}
	 * @return the link
	 * @throws BpfException when the directory cannot be opened or the kernel refuses the attachment
	 */
	public BpfLink attachCgroup(Path cgroupDir) {
		return owner.attachCgroup(this, cgroupDir);
	}

	/**
	 * Whether this is a cgroup program, attached with {@link #attachCgroup} rather than {@link #attach()}.
	 *
	 * @return true for sections starting with "cgroup"
	 */
	public boolean isCgroupProgram() {
		return sectionName.startsWith("cgroup");
	}

	/**
	 * The kernel's id of the loaded program, as {@code bpftool prog show} lists it.
	 *
	 * @return the id
	 * @throws BpfException when the program is not loaded
	 */
	public int id() {
		int fd = fd();
		if (fd < 0) {
			throw Errno.error("program '" + name + "' is not loaded", -fd);
		}
		try (Memory info = new Memory(INFO_SIZE); Memory len = new Memory(4)) {
			info.clear();
			len.setInt(0, INFO_SIZE);
			int rc = bpf.bpf_obj_get_info_by_fd(fd, info, len);
			if (rc < 0) {
				throw Errno.error("cannot read the info of program '" + name + "'", Errno.of(rc));
			}
			return info.getInt(4);
		}
	}

	@Override
	public String toString() {
		return "BpfProgram[" + owner.name() + "/" + name + " " + sectionName + "]";
	}

	Pointer handle() {
		owner.ensureOpen();
		return prog;
	}
}
