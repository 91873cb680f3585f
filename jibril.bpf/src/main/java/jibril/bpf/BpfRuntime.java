package jibril.bpf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import com.sun.jna.CallbackReference;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;
import jibril.bpf.internal.Libs;
import jibril.bpf.internal.MapInfo;
import jibril.bpf.internal.Printf;

/**
 * Entry point of the libbpf binding: opens BPF objects, creates and opens maps, and reads ring buffers.
 *
 * <p>
 * The constructor installs this runtime as libbpf's message printer. libbpf has one printer per process, so the
 * most recently constructed runtime receives libbpf's messages; {@link #close()} uninstalls it (libbpf is then
 * silent) if it is still the installed one. A runtime must be closed: it owns the native callback libbpf calls.
 *
 * <p>
 * {@link #close()} also closes every object, map and ring buffer opened through this runtime that is still open,
 * newest first. The runtime itself is thread-safe.
 */
public final class BpfRuntime implements AutoCloseable {

	private static final int CLOCK_BOOTTIME = 7;
	private static final String BUNDLED_OBJECTS = "/jibril/bpf/obj/";
	private static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");
	private static final Path BPFFS = Path.of("/sys/fs/bpf");
	private static final Path PROC_MOUNTS = Path.of("/proc/self/mounts");
	/** sz, object_name, relaxed_maps, pin_root_path of struct bpf_object_open_opts on LP64. */
	private static final int OPEN_OPTS_SIZE = 32;
	/** sizeof(struct bpf_map_create_opts) on LP64; sz covers the fields up to map_flags. */
	private static final int CREATE_OPTS_ALLOC = 48;
	private static final int CREATE_OPTS_SIZE = 32;
	private static final int CREATE_OPTS_MAP_FLAGS = 28;
	private static final int BPF_F_NO_PREALLOC = 1;
	private static final int MAX_CAPTURED_WARNINGS = 64;
	/** struct bpf_prog_info up to and including name, and the offsets read from it. */
	private static final int PROG_INFO_SIZE = 80;
	private static final int PROG_INFO_NR_MAP_IDS = 52;
	private static final int PROG_INFO_MAP_IDS = 56;
	private static final int PROG_INFO_NAME = 64;
	private static final int PROG_MAP_IDS = 64;

	private final BpfLog log;
	private final LibBpf bpf;
	/** Strong reference: libbpf only holds the native trampoline, which dies with this object. */
	private final LibBpf.PrintFn printer;
	private final Pointer printerAddress;
	/** libbpf warnings of the current thread, collected while an open or load is in progress. */
	private final ThreadLocal<ArrayDeque<String>> warnings = new ThreadLocal<>();
	/** Everything opened through this runtime and not yet closed; guarded by itself. */
	private final Set<AutoCloseable> resources = new LinkedHashSet<>();
	private boolean closed;

	/**
	 * Loads libbpf.so.1 and routes libbpf's messages to {@code log}.
	 *
	 * @param log receives libbpf's messages
	 * @throws BpfException when libbpf.so.1 cannot be loaded
	 */
	public BpfRuntime(BpfLog log) {
		this.log = Objects.requireNonNull(log, "log");
		this.bpf = Libs.bpf();
		this.printer = new Printer();
		bpf.libbpf_set_print(printer);
		this.printerAddress = CallbackReference.getFunctionPointer(printer);
	}

	/**
	 * Checks that this process can use eBPF here: effective uid 0, kernel BTF at /sys/kernel/btf/vmlinux and a
	 * BPF filesystem mounted at /sys/fs/bpf.
	 *
	 * @throws BpfException naming what is missing and how to fix it (errno EPERM or ENOENT)
	 */
	public static void checkSupported() {
		int euid = Libs.c().geteuid();
		if (euid != 0) {
			throw new BpfException("Jibril must run as root to load eBPF programs, but the effective uid is " + euid
					+ ": start it as root (sudo, or a systemd service without User=)", Errno.EPERM);
		}
		if (!Files.isReadable(VMLINUX_BTF)) {
			throw new BpfException(VMLINUX_BTF + " is missing: this kernel has no BTF type information; Jibril needs"
					+ " a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels since 5.8 are)",
					Errno.ENOENT);
		}
		if (!isBpffs(BPFFS)) {
			throw new BpfException("no BPF filesystem is mounted at " + BPFFS + ": mount it with 'mount -t bpf bpf "
					+ BPFFS + "' (or add 'bpf " + BPFFS + " bpf defaults 0 0' to /etc/fstab)", Errno.ENOENT);
		}
	}

	/**
	 * Opens a BPF object (ELF) from memory; nothing is loaded into the kernel until {@link BpfObject#load()}.
	 *
	 * @param objectName the object's name (libbpf derives internal map names from it)
	 * @param elf the object file's bytes
	 * @param pinRoot the bpffs directory where maps declared with LIBBPF_PIN_BY_NAME are pinned (and reused if
	 *            already pinned) at load, created if needed; null to pin nothing at all
	 * @return the opened object
	 * @throws BpfException when libbpf rejects the ELF or pinRoot is not on a bpffs
	 */
	public BpfObject open(String objectName, byte[] elf, Path pinRoot) {
		Objects.requireNonNull(objectName, "objectName");
		if (elf == null || elf.length == 0) {
			throw new IllegalArgumentException("BPF object '" + objectName + "' has no bytes");
		}
		ensureOpen();
		String root = pinRoot == null ? null : preparePinRoot(pinRoot);
		Memory image = new Memory(elf.length);
		image.write(0, elf, 0, elf.length);
		Pointer obj;
		int errno;
		List<String> said;
		try (Memory name = cString(objectName);
				Memory rootPath = root == null ? null : cString(root);
				Memory opts = new Memory(OPEN_OPTS_SIZE)) {
			opts.clear();
			opts.setLong(0, OPEN_OPTS_SIZE);
			opts.setPointer(8, name);
			opts.setPointer(24, rootPath);
			captureWarnings();
			try {
				obj = bpf.bpf_object__open_mem(image, elf.length, opts);
				errno = Libs.lastError();
			} finally {
				said = capturedWarnings();
			}
		}
		if (obj == null) {
			image.close();
			throw new BpfException("cannot open BPF object '" + objectName + "': " + Errno.describe(errno)
					+ tail("libbpf said", said), errno);
		}
		BpfObject object = new BpfObject(this, bpf, obj, image);
		if (root == null) {
			try {
				object.clearPinning();
			} catch (RuntimeException e) {
				object.close();
				throw e;
			}
		}
		register(object);
		return object;
	}

	/**
	 * Opens a BPF object built into this bundle: the resource {@code /jibril/bpf/obj/<name>.bpf.o}, compiled from
	 * {@code src/main/bpf/<name>.bpf.c}.
	 *
	 * @param name the object's name, e.g. "tasks"
	 * @param pinRoot as for {@link #open(String, byte[], Path)}
	 * @return the opened object
	 * @throws BpfException when there is no such object or libbpf rejects it
	 */
	public BpfObject openBundled(String name, Path pinRoot) {
		if (name.isEmpty() || name.contains("/") || name.contains("..")) {
			throw new IllegalArgumentException("not a bundled BPF object name: '" + name + "'");
		}
		String resource = BUNDLED_OBJECTS + name + ".bpf.o";
		byte[] elf;
		try (InputStream in = BpfRuntime.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new BpfException("bundle jibril.bpf has no BPF object " + resource
						+ ": bundled objects are compiled from src/main/bpf/" + name + ".bpf.c", Errno.ENOENT);
			}
			elf = in.readAllBytes();
		} catch (IOException e) {
			throw new BpfException("cannot read " + resource + ": " + e.getMessage(), Errno.EIO, e);
		}
		return open(name, elf, pinRoot);
	}

	private MapCounter mapCounter;

	/**
	 * The host's map entry counter (see {@link MapCounter}), loaded on first use and kept until this runtime
	 * closes.
	 *
	 * @return the counter
	 * @throws BpfException when the kernel cannot load or attach the iterator (before Linux 6.6 it lacks the
	 *             element-count kfunc): callers then count by walking the maps
	 */
	public MapCounter mapCounter() {
		synchronized (resources) {
			ensureOpen();
			if (mapCounter == null || mapCounter.isClosed()) {
				MapCounter c = new MapCounter(this);
				resources.add(c);
				mapCounter = c;
			}
			return mapCounter;
		}
	}

	/**
	 * Creates a map owned by the returned {@link BpfMap}: closing it closes the fd (the kernel frees the map once
	 * nothing else, such as a pin or a program, holds it).
	 *
	 * @param type the map type (not {@link MapType#UNKNOWN}); an LPM trie is created with BPF_F_NO_PREALLOC
	 * @param name the kernel name: at most 15 characters of [A-Za-z0-9_.]
	 * @param keySize key size in bytes
	 * @param valueSize value size in bytes (per CPU for per-CPU types)
	 * @param maxEntries capacity
	 * @return the map
	 * @throws BpfException when the kernel refuses (EINVAL for bad sizes or names, ENOMEM, EPERM)
	 */
	public BpfMap createMap(MapType type, String name, int keySize, int valueSize, int maxEntries) {
		Objects.requireNonNull(name, "name");
		if (type == MapType.UNKNOWN) {
			throw new IllegalArgumentException("cannot create a map of type UNKNOWN");
		}
		ensureOpen();
		int fd;
		try (Memory opts = new Memory(CREATE_OPTS_ALLOC)) {
			opts.clear();
			opts.setLong(0, CREATE_OPTS_SIZE);
			if (type == MapType.LPM_TRIE) {
				opts.setInt(CREATE_OPTS_MAP_FLAGS, BPF_F_NO_PREALLOC);
			}
			fd = bpf.bpf_map_create(type.id(), name, keySize, valueSize, maxEntries, opts);
		}
		if (fd < 0) {
			throw Errno.error("cannot create " + type + " map '" + name + "' (key " + keySize + " B, value "
					+ valueSize + " B, " + maxEntries + " entries)", -fd);
		}
		return ownedMap(fd, null);
	}

	/**
	 * Opens a map pinned in a bpffs; the returned {@link BpfMap} owns a new fd and reads the map's type, sizes and
	 * name from the kernel. Closing it does not unpin the map.
	 *
	 * @param path the pin
	 * @return the map
	 * @throws BpfException ENOENT when nothing is pinned there, EINVAL when the pin is not a map
	 */
	public BpfMap openPinnedMap(Path path) {
		ensureOpen();
		String p = path.toAbsolutePath().toString();
		int fd = bpf.bpf_obj_get(p);
		if (fd < 0) {
			throw Errno.error("cannot open the pinned map " + p, Errno.of(fd));
		}
		if (!MapInfo.isMapFd(fd)) {
			Libs.c().close(fd);
			throw new BpfException(p + " is a pinned BPF object but not a map", Errno.EINVAL);
		}
		return ownedMap(fd, path.toAbsolutePath());
	}

	/**
	 * Gives the link pinned at {@code pin} another program, atomically (BPF_LINK_UPDATE): the target keeps one
	 * program attached through the link at every moment. This is how a restarted daemon adopts the attachments an
	 * earlier run pinned, with the programs it has just loaded.
	 *
	 * @param pin where the link is pinned
	 * @param program a loaded program of the link's type
	 * @return the link as the kernel describes it after the update
	 * @throws BpfException ENOENT when nothing is pinned there, EINVAL when the program does not fit the link
	 */
	public BpfLink.Info updatePinnedLink(Path pin, BpfProgram program) {
		ensureOpen();
		String p = pin.toAbsolutePath().toString();
		int fd = bpf.bpf_obj_get(p);
		if (fd < 0) {
			throw Errno.error("cannot open the pinned link " + p, Errno.of(fd));
		}
		try {
			int rc = bpf.bpf_link_update(fd, program.fd(), null);
			if (rc < 0) {
				throw Errno.error("cannot give the link pinned at " + p + " the program '" + program.name() + "'",
						Errno.of(rc));
			}
			return BpfLink.infoOf(bpf, fd, p);
		} finally {
			Libs.c().close(fd);
		}
	}

	/**
	 * Detaches the link pinned at {@code pin} now (BPF_LINK_DETACH): its program stops running at once, although
	 * the link object lives on until its pin and fds are gone. Removing a pin alone detaches only when the kernel
	 * frees the file, some time later.
	 *
	 * @param pin where the link is pinned
	 * @throws BpfException ENOENT when nothing is pinned there, EOPNOTSUPP for link types that cannot detach
	 */
	public void detachPinnedLink(Path pin) {
		ensureOpen();
		String p = pin.toAbsolutePath().toString();
		int fd = bpf.bpf_obj_get(p);
		if (fd < 0) {
			throw Errno.error("cannot open the pinned link " + p, Errno.of(fd));
		}
		try {
			int rc = bpf.bpf_link_detach(fd);
			if (rc < 0) {
				throw Errno.error("cannot detach the link pinned at " + p, Errno.of(rc));
			}
		} finally {
			Libs.c().close(fd);
		}
	}

	/**
	 * What the kernel says about the link pinned at {@code pin}.
	 *
	 * @param pin where the link is pinned
	 * @return its type, id, program and target
	 * @throws BpfException ENOENT when nothing is pinned there
	 */
	public BpfLink.Info pinnedLinkInfo(Path pin) {
		ensureOpen();
		String p = pin.toAbsolutePath().toString();
		int fd = bpf.bpf_obj_get(p);
		if (fd < 0) {
			throw Errno.error("cannot open the pinned link " + p, Errno.of(fd));
		}
		try {
			return BpfLink.infoOf(bpf, fd, p);
		} finally {
			Libs.c().close(fd);
		}
	}

	/**
	 * Opens a consumer of a ring buffer map. Records are delivered to {@code handler} on the thread calling
	 * {@link RingBuffer#poll(int)} or {@link RingBuffer#consume()}.
	 *
	 * @param ringbufMap a loaded map of type {@link MapType#RINGBUF}
	 * @param handler receives the records
	 * @return the consumer; close it before the map's object
	 * @throws BpfException when the ring cannot be mapped into this process
	 */
	public RingBuffer ringBuffer(BpfMap ringbufMap, RecordHandler handler) {
		Objects.requireNonNull(handler, "handler");
		if (ringbufMap.type() != MapType.RINGBUF) {
			throw new IllegalArgumentException("map '" + ringbufMap.name() + "' is a " + ringbufMap.type()
					+ " map, not a RINGBUF");
		}
		ensureOpen();
		RingBuffer rb = new RingBuffer(this, ringbufMap, handler);
		register(rb);
		return rb;
	}

	/**
	 * Where the cgroup v2 hierarchy is mounted, as this process sees it: the first cgroup2 entry of
	 * /proc/self/mounts (usually /sys/fs/cgroup; /sys/fs/cgroup/unified on hosts with both hierarchies). Attaching a
	 * cgroup program there covers every process on the host.
	 *
	 * @return the mount point
	 * @throws BpfException ENOENT when no cgroup v2 hierarchy is mounted
	 */
	public static Path cgroup2Root() {
		List<String> mounts;
		try {
			mounts = Files.readAllLines(PROC_MOUNTS);
		} catch (IOException e) {
			throw new BpfException("cannot read " + PROC_MOUNTS + ": " + e, Errno.EIO, e);
		}
		for (String line : mounts) {
			String[] f = line.split(" ");
			if (f.length > 2 && f[2].equals("cgroup2")) {
				return Path.of(unescapeMount(f[1]));
			}
		}
		throw new BpfException("no cgroup v2 hierarchy is mounted (no cgroup2 line in " + PROC_MOUNTS
				+ "): mount it with 'mount -t cgroup2 none /sys/fs/cgroup'", Errno.ENOENT);
	}

	/** /proc/self/mounts writes space, tab, newline and backslash in paths as three-digit octal escapes. */
	static String unescapeMount(String field) {
		StringBuilder sb = new StringBuilder(field.length());
		for (int i = 0; i < field.length(); i++) {
			char c = field.charAt(i);
			if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
				sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
				i += 3;
			} else {
				sb.append(c);
			}
		}
		return sb.toString();
	}

	/**
	 * The current CLOCK_BOOTTIME, the clock of bpf_ktime_get_boot_ns() and of the task start times in Jibril's
	 * maps.
	 *
	 * @return nanoseconds since boot, suspend included
	 */
	public static long bootTimeNanos() {
		long[] ts = new long[2];
		if (Libs.c().clock_gettime(CLOCK_BOOTTIME, ts) != 0) {
			throw Errno.error("clock_gettime(CLOCK_BOOTTIME) failed", Libs.lastError());
		}
		return ts[0] * 1_000_000_000L + ts[1];
	}

	/**
	 * The number of possible CPUs, which sizes the values of per-CPU maps.
	 *
	 * @return libbpf_num_possible_cpus()
	 */
	public static int possibleCpus() {
		int n = Libs.bpf().libbpf_num_possible_cpus();
		if (n < 0) {
			throw Errno.error("cannot read the number of possible CPUs", -n);
		}
		return n;
	}

	/**
	 * Every BPF program loaded in the kernel now, by anyone, with the maps it uses (BPF_PROG_GET_NEXT_ID, then the
	 * info of each). Programs unloaded during the walk are left out.
	 *
	 * @return the programs, by increasing id
	 * @throws BpfException when the kernel refuses the walk (EPERM without CAP_SYS_ADMIN)
	 */
	public static List<LoadedProgram> loadedPrograms() {
		LibBpf bpf = Libs.bpf();
		List<LoadedProgram> out = new ArrayList<>();
		try (Memory next = new Memory(4); Memory info = new Memory(PROG_INFO_SIZE); Memory len = new Memory(4)) {
			Memory ids = new Memory(4L * PROG_MAP_IDS);
			try {
				int id = 0;
				while (true) {
					int rc = bpf.bpf_prog_get_next_id(id, next);
					if (rc == -Errno.ENOENT) {
						return out;
					}
					if (rc < 0) {
						throw Errno.error("cannot list the BPF programs of this host", Errno.of(rc));
					}
					id = next.getInt(0);
					int fd = bpf.bpf_prog_get_fd_by_id(id);
					if (fd < 0) {
						continue; // unloaded meanwhile
					}
					try {
						int n = PROG_MAP_IDS;
						while (true) {
							info.clear();
							info.setInt(PROG_INFO_NR_MAP_IDS, n);
							info.setLong(PROG_INFO_MAP_IDS, Pointer.nativeValue(ids));
							len.setInt(0, PROG_INFO_SIZE);
							rc = bpf.bpf_obj_get_info_by_fd(fd, info, len);
							if (rc < 0) {
								break;
							}
							int used = info.getInt(PROG_INFO_NR_MAP_IDS);
							if (used <= n) {
								List<Integer> maps = new ArrayList<>(used);
								for (int i = 0; i < used; i++) {
									maps.add(ids.getInt(4L * i));
								}
								byte[] name = info.getByteArray(PROG_INFO_NAME, 16);
								int l = 0;
								while (l < name.length && name[l] != 0) {
									l++;
								}
								out.add(new LoadedProgram(info.getInt(4),
										new String(name, 0, l, StandardCharsets.UTF_8), List.copyOf(maps)));
								break;
							}
							n = used;
							ids.close();
							ids = new Memory(4L * n);
						}
					} finally {
						Libs.c().close(fd);
					}
				}
			} finally {
				ids.close();
			}
		}
	}

	/**
	 * A program loaded in the kernel, as {@link #loadedPrograms()} lists it.
	 *
	 * @param id the program's id
	 * @param name its name (at most 15 characters)
	 * @param mapIds the ids of the maps it uses
	 */
	public record LoadedProgram(int id, String name, List<Integer> mapIds) {
	}

	/**
	 * Unpins everything under a bpffs directory and removes the directory (deleting a bpffs file is how a pin is
	 * removed; the object lives on while anything else holds it). Does nothing if {@code dir} does not exist.
	 *
	 * @param dir a directory inside a mounted bpffs; never the bpffs mount itself
	 * @throws IllegalArgumentException when {@code dir} is not strictly inside a bpffs
	 * @throws BpfException when a pin cannot be removed
	 */
	public static void unpinAll(Path dir) {
		Path d = dir.toAbsolutePath().normalize();
		if (!Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
			return;
		}
		if (d.getParent() == null || !isBpffs(d) || !isBpffs(d.getParent())) {
			throw new IllegalArgumentException(
					"unpinAll refuses " + d + ": it must be inside a mounted BPF filesystem, not the mount itself");
		}
		try (Stream<Path> walk = Files.walk(d)) {
			for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(p);
			}
		} catch (IOException e) {
			throw new BpfException("cannot unpin everything under " + d + ": " + e, Errno.EIO, e);
		}
	}

	/**
	 * Closes every ring buffer, object and map opened through this runtime that is still open (newest first),
	 * then uninstalls the libbpf printer if it is still this runtime's. Idempotent.
	 */
	@Override
	public void close() {
		List<AutoCloseable> open;
		synchronized (resources) {
			if (closed) {
				return;
			}
			closed = true;
			open = new ArrayList<>(resources);
			resources.clear();
		}
		Collections.reverse(open);
		RuntimeException failure = null;
		for (AutoCloseable r : open) {
			try {
				r.close();
			} catch (Exception e) {
				if (failure == null) {
					failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
				} else {
					failure.addSuppressed(e);
				}
			}
		}
		Pointer current = bpf.libbpf_set_print((Pointer) null);
		if (current != null && !current.equals(printerAddress)) {
			bpf.libbpf_set_print(current); // another runtime's printer: leave it in place
		}
		if (failure != null) {
			throw failure;
		}
	}

	// ---- package-private plumbing shared by the API classes

	void captureWarnings() {
		warnings.set(new ArrayDeque<>());
	}

	List<String> capturedWarnings() {
		ArrayDeque<String> w = warnings.get();
		warnings.remove();
		return w == null ? List.of() : List.copyOf(w);
	}

	void forget(AutoCloseable resource) {
		synchronized (resources) {
			resources.remove(resource);
		}
	}

	/** "\n<title>:\n  line\n  line", or "" when there are no lines. */
	static String tail(String title, List<String> lines) {
		return lines.isEmpty() ? "" : "\n" + title + ":" + indented(lines);
	}

	/** Each line on a new line, indented by two spaces. */
	static String indented(List<String> lines) {
		StringBuilder sb = new StringBuilder();
		for (String l : lines) {
			sb.append("\n  ").append(l);
		}
		return sb.toString();
	}

	private BpfMap ownedMap(int fd, Path pinPath) {
		MapInfo info;
		try {
			info = MapInfo.of(fd);
		} catch (BpfException e) {
			Libs.c().close(fd);
			throw e;
		}
		BpfMap map = new BpfMap(this, bpf, fd, info, pinPath);
		register(map);
		return map;
	}

	private void register(AutoCloseable resource) {
		synchronized (resources) {
			if (!closed) {
				resources.add(resource);
				return;
			}
		}
		try {
			resource.close();
		} catch (Exception e) {
			// the runtime was closed concurrently; the resource is released, nothing else to report
		}
		throw new IllegalStateException("this BpfRuntime is closed");
	}

	private void ensureOpen() {
		synchronized (resources) {
			if (closed) {
				throw new IllegalStateException("this BpfRuntime is closed");
			}
		}
	}

	private static String preparePinRoot(Path pinRoot) {
		Path root = pinRoot.toAbsolutePath().normalize();
		Path existing = root;
		while (existing != null && !Files.exists(existing)) {
			existing = existing.getParent();
		}
		if (existing == null || !isBpffs(existing)) {
			throw new BpfException("the pin root " + root + " is not on a BPF filesystem: use a directory under "
					+ BPFFS + " (mount it with 'mount -t bpf bpf " + BPFFS + "')", Errno.EINVAL);
		}
		try {
			Files.createDirectories(root);
		} catch (IOException e) {
			throw new BpfException("cannot create the pin root " + root + ": " + e, Errno.EIO, e);
		}
		return root.toString();
	}

	private static boolean isBpffs(Path p) {
		try {
			return "bpf".equals(Files.getFileStore(p).type());
		} catch (IOException e) {
			return false;
		}
	}

	private static Memory cString(String s) {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		Memory m = new Memory(b.length + 1L);
		m.write(0, b, 0, b.length);
		m.setByte(b.length, (byte) 0);
		return m;
	}

	/** libbpf's print callback: formats through vsnprintf, keeps warnings for error messages, forwards. */
	private final class Printer implements LibBpf.PrintFn {
		@Override
		public int invoke(int level, Pointer format, Pointer args) {
			try {
				String message = Printf.format(format, args);
				ArrayDeque<String> w = warnings.get();
				if (w != null && level == BpfLog.WARN) {
					if (w.size() == MAX_CAPTURED_WARNINGS) {
						w.removeFirst();
					}
					w.addLast(message);
				}
				log.log(level, message);
			} catch (Throwable t) {
				// Nothing may unwind into libbpf: a failing logger loses this one message.
			}
			return 0;
		}
	}
}
