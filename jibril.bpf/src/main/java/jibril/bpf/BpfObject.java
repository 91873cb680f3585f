package jibril.bpf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;
import jibril.bpf.internal.Libs;

/**
 * An opened BPF object (libbpf's {@code struct bpf_object}): its programs and maps, loaded into the kernel by
 * {@link #load()} and attached by {@link #attachAll()} or {@link BpfProgram#attach()}. Closing it destroys every
 * link created through it, then frees the programs and maps (pinned maps stay pinned). Thread-safe.
 */
public final class BpfObject implements AutoCloseable {

	/** Per-program verifier log buffer used during load; with kernel 6.4+ rotating logs it keeps the tail. */
	private static final int VERIFIER_LOG_SIZE = 64 * 1024;
	private static final int VERIFIER_TAIL_LINES = 24;
	private static final int WARNING_TAIL_LINES = 12;
	private static final int O_RDONLY = 0;
	private static final int O_CLOEXEC = 02000000;

	private final BpfRuntime runtime;
	private final LibBpf bpf;
	private final String name;
	/** The ELF image libbpf was opened from; kept until close as libbpf may refer to it. */
	private final Memory image;
	private final Map<String, BpfProgram> programs = new LinkedHashMap<>();
	private final Map<String, BpfMap> maps = new LinkedHashMap<>();
	private final List<BpfLink> links = new ArrayList<>();
	/** Read without the lock by maps and programs, so that they never wait for this object's lock. */
	private volatile Pointer obj;
	private volatile boolean loaded;

	BpfObject(BpfRuntime runtime, LibBpf bpf, Pointer obj, Memory image) {
		this.runtime = runtime;
		this.bpf = bpf;
		this.obj = obj;
		this.image = image;
		this.name = bpf.bpf_object__name(obj);
		for (Pointer p = bpf.bpf_object__next_program(obj, null); p != null; p = bpf.bpf_object__next_program(obj, p)) {
			BpfProgram prog = new BpfProgram(this, bpf, p);
			programs.put(prog.name(), prog);
		}
		for (Pointer m = bpf.bpf_object__next_map(obj, null); m != null; m = bpf.bpf_object__next_map(obj, m)) {
			BpfMap map = new BpfMap(this, bpf, m);
			maps.put(map.name(), map);
		}
	}

	/**
	 * The object's name, as given to {@link BpfRuntime#open}.
	 *
	 * @return the name
	 */
	public String name() {
		return name;
	}

	/**
	 * The programs, in ELF order.
	 *
	 * @return an immutable list
	 */
	public List<BpfProgram> programs() {
		return List.copyOf(programs.values());
	}

	/**
	 * A program by its function name.
	 *
	 * @param programName the C function name, e.g. "jibril_exec"
	 * @return the program
	 * @throws NoSuchElementException when the object has no such program
	 */
	public BpfProgram program(String programName) {
		BpfProgram p = programs.get(programName);
		if (p == null) {
			throw new NoSuchElementException(
					"BPF object '" + name + "' has no program '" + programName + "'; it has " + programs.keySet());
		}
		return p;
	}

	/**
	 * The maps, in ELF order, including libbpf's internal ones (.rodata, .bss...) if the object has any.
	 *
	 * @return an immutable list
	 */
	public List<BpfMap> maps() {
		return List.copyOf(maps.values());
	}

	/**
	 * A map by its name.
	 *
	 * @param mapName the map's variable name in C, e.g. "tasks"
	 * @return the map
	 * @throws NoSuchElementException when the object has no such map
	 */
	public BpfMap map(String mapName) {
		BpfMap m = maps.get(mapName);
		if (m == null) {
			throw new NoSuchElementException(
					"BPF object '" + name + "' has no map '" + mapName + "'; it has " + maps.keySet());
		}
		return m;
	}

	/**
	 * The links created through this object that are still open, in the order they were made.
	 *
	 * @return an immutable list
	 */
	public synchronized List<BpfLink> links() {
		return links.stream().filter(l -> !l.isClosed()).toList();
	}

	/**
	 * Whether {@link #load()} succeeded.
	 *
	 * @return true once loaded
	 */
	public boolean isLoaded() {
		return loaded;
	}

	/**
	 * Creates the maps (reusing or pinning those with a pin path), applies CO-RE relocations and loads the
	 * programs whose autoload is on into the kernel. An object can be loaded once; a failed load leaves it
	 * unusable (close it).
	 *
	 * @throws BpfException with the errno and, when available, the tail of the verifier's log for the program it
	 *             rejected (EACCES, EINVAL) or of libbpf's warnings
	 */
	public synchronized void load() {
		ensureOpen();
		if (loaded) {
			throw new IllegalStateException("BPF object '" + name + "' is already loaded");
		}
		List<Memory> logs = new ArrayList<>();
		List<BpfProgram> logged = new ArrayList<>();
		int rc;
		List<String> said;
		try {
			for (BpfProgram p : programs.values()) {
				if (p.autoload()) {
					Memory log = new Memory(VERIFIER_LOG_SIZE);
					log.setByte(0, (byte) 0);
					if (bpf.bpf_program__set_log_buf(p.handle(), log, log.size()) == 0) {
						logs.add(log);
						logged.add(p);
					} else {
						log.close();
					}
				}
			}
			runtime.captureWarnings();
			try {
				rc = bpf.bpf_object__load(obj);
			} finally {
				said = runtime.capturedWarnings();
			}
			if (rc < 0) {
				StringBuilder msg = new StringBuilder("cannot load BPF object '").append(name).append("': ")
						.append(Errno.describe(-rc));
				boolean verifier = false;
				for (int i = 0; i < logs.size(); i++) {
					Memory buf = logs.get(i);
					buf.setByte(buf.size() - 1, (byte) 0);
					String log = buf.getString(0);
					if (!log.isBlank()) {
						msg.append("\nprogram '").append(logged.get(i).name())
								.append("' was rejected; end of the verifier log:")
								.append(BpfRuntime.indented(lastLines(log, VERIFIER_TAIL_LINES)));
						verifier = true;
					}
				}
				if (!verifier) {
					msg.append(BpfRuntime.tail("libbpf said", lastLines(said, WARNING_TAIL_LINES)));
				}
				throw new BpfException(msg.toString(), -rc);
			}
			loaded = true;
		} finally {
			// libbpf only writes these buffers during load; it keeps the stale pointer but never uses it again.
			logs.forEach(Memory::close);
		}
	}

	/**
	 * Attaches every program whose autoload is on, each as its section name says, except cgroup programs, which
	 * need a cgroup: see {@link #attachAll(Path)}. On failure the links created by this call are destroyed again.
	 *
	 * @return the links, also destroyed by {@link #close()}
	 * @throws BpfException naming the program that could not be attached
	 */
	public List<BpfLink> attachAll() {
		return attachAll(null);
	}

	/**
	 * Attaches every program whose autoload is on: cgroup programs to {@code cgroupDir} (skipped when it is null),
	 * the others as their section names say. On failure the links created by this call are destroyed again.
	 *
	 * @param cgroupDir a cgroup v2 directory for the cgroup programs, e.g. {@link BpfRuntime#cgroup2Root()}, or null
	 * @return the links, also destroyed by {@link #close()}
	 * @throws BpfException naming the program that could not be attached
	 */
	public synchronized List<BpfLink> attachAll(Path cgroupDir) {
		List<BpfLink> created = new ArrayList<>();
		try {
			for (BpfProgram p : programs.values()) {
				if (!p.autoload()) {
					continue;
				}
				if (!p.isCgroupProgram()) {
					created.add(attach(p));
				} else if (cgroupDir != null) {
					created.add(attachCgroup(p, cgroupDir));
				}
			}
		} catch (RuntimeException e) {
			created.forEach(BpfLink::close);
			throw e;
		}
		return List.copyOf(created);
	}

	/**
	 * Destroys every link created through this object that is still attached (a link pinned with
	 * {@link BpfLink#pin} stays attached through its pin), then frees the object: its programs are unloaded and
	 * its maps freed unless pinned or held elsewhere. Idempotent.
	 */
	@Override
	public synchronized void close() {
		if (obj == null) {
			return;
		}
		for (BpfLink link : links) {
			link.close();
		}
		links.clear();
		for (BpfMap m : maps.values()) {
			m.release();
		}
		bpf.bpf_object__close(obj);
		obj = null;
		image.close();
		runtime.forget(this);
	}

	// ---- package-private

	synchronized BpfLink attach(BpfProgram program) {
		ensureLoaded();
		Pointer link = bpf.bpf_program__attach(program.handle());
		if (link == null) {
			int errno = Libs.lastError();
			throw Errno.error("cannot attach program '" + program.name() + "' (" + program.sectionName()
					+ ") of BPF object '" + name + "'", errno);
		}
		BpfLink l = new BpfLink(bpf, link, program.name());
		links.removeIf(BpfLink::isClosed);
		links.add(l);
		return l;
	}

	synchronized BpfLink attachCgroup(BpfProgram program, Path cgroupDir) {
		ensureLoaded();
		String dir = cgroupDir.toAbsolutePath().toString();
		int fd = Libs.c().open(dir, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			throw Errno.error("cannot open the cgroup " + dir + " to attach program '" + program.name() + "'",
					Libs.lastError());
		}
		Pointer link;
		int errno;
		try {
			link = bpf.bpf_program__attach_cgroup(program.handle(), fd);
			errno = Libs.lastError();
		} finally {
			Libs.c().close(fd); // the link holds the cgroup
		}
		if (link == null) {
			throw Errno.error("cannot attach program '" + program.name() + "' (" + program.sectionName()
					+ ") of BPF object '" + name + "' to the cgroup " + dir, errno);
		}
		BpfLink l = new BpfLink(bpf, link, program.name());
		links.removeIf(BpfLink::isClosed);
		links.add(l);
		return l;
	}

	/** Removes the pin path libbpf gave to LIBBPF_PIN_BY_NAME maps, so that load pins nothing. */
	void clearPinning() {
		for (BpfMap m : maps.values()) {
			m.clearPinPath();
		}
	}

	void ensureOpen() {
		if (obj == null) {
			throw new IllegalStateException("BPF object '" + name + "' is closed");
		}
	}

	void ensureLoaded() {
		ensureOpen();
		if (!loaded) {
			throw new IllegalStateException("BPF object '" + name + "' is not loaded yet: call load() first");
		}
	}

	private static List<String> lastLines(String text, int n) {
		return lastLines(text.lines().filter(l -> !l.isBlank()).toList(), n);
	}

	private static List<String> lastLines(List<String> lines, int n) {
		return lines.subList(Math.max(0, lines.size() - n), lines.size());
	}
}
