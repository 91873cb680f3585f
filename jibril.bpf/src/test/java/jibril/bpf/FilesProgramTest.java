package jibril.bpf;

import static jibril.bpf.KernelSupport.u32;
import static jibril.bpf.KernelSupport.u64;
import static jibril.bpf.layout.TaskFileLayout.ACT_CLOSE;
import static jibril.bpf.layout.TaskFileLayout.ACT_CREATE;
import static jibril.bpf.layout.TaskFileLayout.ACT_EXECVE;
import static jibril.bpf.layout.TaskFileLayout.ACT_FASYNC;
import static jibril.bpf.layout.TaskFileLayout.ACT_FLOCK;
import static jibril.bpf.layout.TaskFileLayout.ACT_FSYNC;
import static jibril.bpf.layout.TaskFileLayout.ACT_LINK;
import static jibril.bpf.layout.TaskFileLayout.ACT_LLSEEK;
import static jibril.bpf.layout.TaskFileLayout.ACT_MMAP;
import static jibril.bpf.layout.TaskFileLayout.ACT_OPEN;
import static jibril.bpf.layout.TaskFileLayout.ACT_READ;
import static jibril.bpf.layout.TaskFileLayout.ACT_RENAME;
import static jibril.bpf.layout.TaskFileLayout.ACT_TRUNCATE;
import static jibril.bpf.layout.TaskFileLayout.ACT_UNLINK;
import static jibril.bpf.layout.TaskFileLayout.ACT_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.jna.Memory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.internal.Libs;
import jibril.bpf.layout.Counter;
import jibril.bpf.layout.FileLayout;
import jibril.bpf.layout.FileLayout.FileInfo;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.StringLayout.Text;
import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskFileLayout.Key;
import jibril.bpf.layout.TaskFileLayout.TaskFile;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;

/**
 * files.bpf.o for real, loaded beside tasks.bpf.o under one test pin root (so that they share tasks, strings,
 * notices and counters): every one of the 15 file actions is done for real, by this JVM, by a small C helper
 * compiled at test time (src/test/c/file_actions.c) and by shell commands, and found in the maps under its absolute
 * path.
 */
class FilesProgramTest {

	/*
	 * Room for the whole host's activity while a test runs (other processes fill the same maps; a benchmark on this
	 * machine creates thousands of files a second). The hash maps allocate on demand, so this costs only what is used.
	 */
	private static final int TASKS = 32768;
	private static final int STRINGS = 1 << 18;
	private static final int FILES = 1 << 18;
	private static final int PAIRS = 1 << 19;

	private BpfRuntime runtime;
	private BpfObject tasks;
	private BpfObject files;
	private List<BpfLink> links;
	private RingBuffer ring;
	private Path pinRoot;
	private Path tmp;
	private final List<Process> children = new ArrayList<>();
	private final List<Notice> notices = new ArrayList<>();
	/** The paths that came with a KIND_FILE_PATH notice, by strings key. */
	private final java.util.Map<Long, String> noticedPaths = new java.util.HashMap<>();
	/** The file metadata new pairs' notices carried, by file key (the latest). */
	private final java.util.Map<Long, FileInfo> pairFiles = new java.util.HashMap<>();
	/** The pair copies of file notices, by (task key, file key), in arrival order. */
	private final java.util.Map<List<Long>, List<TaskFile>> pairCopies = new java.util.concurrent.ConcurrentHashMap<>();

	@BeforeEach
	void setUp() throws Exception {
		KernelSupport.assumeEbpf();
		pinRoot = KernelSupport.uniquePinRoot();
		tmp = Files.createTempDirectory("jibril-files-test-").toRealPath();
		runtime = new BpfRuntime((level, message) -> {
		});
	}

	@AfterEach
	void tearDown() throws Exception {
		for (Process p : children) {
			p.destroyForcibly().waitFor();
		}
		try {
			KernelSupport.closeAll(ring, files, tasks, runtime);
		} finally {
			if (pinRoot != null) {
				BpfRuntime.unpinAll(pinRoot);
			}
			KernelSupport.deleteTree(tmp);
		}
	}

	/** Loads and attaches tasks.bpf.o, then files.bpf.o (after {@code sizing} had its say), and opens the notices. */
	private void load(Consumer<BpfObject> sizing) {
		tasks = runtime.openBundled("tasks", pinRoot);
		sizeShared(tasks);
		tasks.load();
		tasks.attachAll();
		files = runtime.openBundled("files", pinRoot);
		sizeShared(files); // a pinned map is reused only if its definition is the same
		files.map("files").setMaxEntries(FILES);
		files.map("task_file").setMaxEntries(PAIRS);
		sizing.accept(files);
		files.load();
		links = files.attachAll();
		assertEquals(files.programs().size(), links.size());
		for (String shared : List.of("tasks", "strings", "strings_short", "notices", "counters")) {
			assertEquals(tasks.map(shared).pinPath(), files.map(shared).pinPath(), shared + " is shared");
		}
		ring = runtime.ringBuffer(files.map("notices"), r -> {
			Notice n = Notice.decode(r);
			notices.add(n);
			if (n.kind() == NoticeLayout.KIND_FILE_PAIR
					&& r.remaining() >= NoticeLayout.FILE_OFFSET + FileLayout.SIZE) {
				pairFiles.put(n.seq(), FileLayout.decode(r.slice(NoticeLayout.FILE_OFFSET, FileLayout.SIZE)));
			}
			int at = n.kind() == NoticeLayout.KIND_FILE_PAIR ? NoticeLayout.PAIR_OFFSET
					: n.kind() == NoticeLayout.KIND_FILE_BITS ? NoticeLayout.BITS_PAIR_OFFSET : -1;
			if (at > 0 && r.remaining() >= at + TaskFileLayout.SIZE) {
				pairCopies.computeIfAbsent(List.of(n.key(), n.seq()), k -> new java.util.ArrayList<>())
						.add(TaskFile.decode(r.slice(at, TaskFileLayout.SIZE).order(java.nio.ByteOrder.nativeOrder())));
			}
			if (n.kind() == NoticeLayout.KIND_FILE_PATH) {
				noticedPaths.put(n.key(), StringLayout.decode(r.slice(NoticeLayout.PATH_OFFSET,
						r.remaining() - NoticeLayout.PATH_OFFSET)).text());
			}
		});
	}

	@Test
	void everyActionIsRecordedUnderItsAbsolutePath() throws Exception {
		load(f -> {
		});
		Path helper = compileHelper();
		long jvm = taskKey(ProcessHandle.current().pid());
		Path a = tmp.resolve("a.txt");
		Path b = tmp.resolve("b.txt");
		Path c = tmp.resolve("c.txt");
		Path s = tmp.resolve("s.txt");
		Path r = tmp.resolve("r.txt");

		// This JVM: open (create), write, lseek, read, fsync, a record lock, mmap, ftruncate, close.
		Map<String, Object> attrs;
		try (FileChannel ch = FileChannel.open(a, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
				StandardOpenOption.WRITE)) {
			attrs = Files.readAttributes(a, "unix:*");
			ch.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
			ch.position(0);
			ch.read(ByteBuffer.allocate(5));
			ch.force(true);
			try (FileLock lock = ch.lock()) {
				assertTrue(lock.isValid());
			}
			MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, 5);
			assertEquals('h', m.get(0));
			ch.truncate(1);
		}
		TaskFile onA = pair(jvm, a);
		for (int act : new int[] { ACT_OPEN, ACT_CREATE, ACT_WRITE, ACT_LLSEEK, ACT_READ, ACT_FSYNC, ACT_FLOCK,
				ACT_MMAP, ACT_TRUNCATE, ACT_CLOSE }) {
			assertDid(onA, act, a);
		}
		assertEquals(ProcessHandle.current().pid(), onA.pid());
		assertMetadata(info(a), attrs);

		// Names: rename (both paths), hard link (target and name), symbolic links with an absolute and a relative
		// target (the relative one is relative to the link's directory), unlink.
		Files.move(a, b);
		Files.createLink(c, b);
		Files.createSymbolicLink(s, b);
		Files.createSymbolicLink(r, Path.of("b.txt"));
		Files.delete(c);
		Files.delete(s);
		Files.delete(r);
		assertDid(pair(jvm, a), ACT_RENAME, a);
		assertDid(pair(jvm, b), ACT_RENAME, b);
		assertDid(pair(jvm, b), ACT_LINK, b);
		assertTrue(pair(jvm, b).count(ACT_LINK) >= 3, "link, symlink and relative symlink all name b.txt: "
				+ pair(jvm, b));
		assertDid(pair(jvm, c), ACT_LINK, c);
		assertDid(pair(jvm, c), ACT_UNLINK, c);
		assertDid(pair(jvm, s), ACT_LINK, s);
		assertDid(pair(jvm, s), ACT_UNLINK, s);
		assertDid(pair(jvm, r), ACT_UNLINK, r);
		assertMetadata(info(b), attrs); // the renamed inode keeps its metadata under the new name
		assertMetadata(info(c), attrs); // so does a hard link
		assertTrue(info(s).has(FileLayout.FLAG_NO_INODE), "a symbolic link only ever seen by name: " + info(s));

		// The C helper: fasync, flock(2), truncate(2) by path, and *at calls relative to a directory fd.
		int fasync = runHelper(helper, "fasync", b.toString());
		int flock = runHelper(helper, "flock", b.toString());
		int truncate = runHelper(helper, "truncate", b.toString());
		int dirfd = runHelper(helper, "dirfd", tmp.toString(), "d1.txt", "d2.txt");
		assertDid(pairOf(fasync, b), ACT_FASYNC, b);
		assertDid(pairOf(flock, b), ACT_FLOCK, b);
		assertDid(pairOf(truncate, b), ACT_TRUNCATE, b);
		Path d1 = tmp.resolve("d1.txt");
		Path d2 = tmp.resolve("d2.txt");
		TaskFile onD1 = pairOf(dirfd, d1);
		for (int act : new int[] { ACT_OPEN, ACT_CREATE, ACT_WRITE, ACT_CLOSE, ACT_RENAME, ACT_LINK, ACT_UNLINK }) {
			assertDid(onD1, act, d1);
		}
		for (int act : new int[] { ACT_RENAME, ACT_LINK, ACT_UNLINK }) {
			assertDid(pairOf(dirfd, d2), act, d2);
		}
		assertEquals(0640, info(d1).permissions(), "openat(..., 0640) under umask 022: " + info(d1));
		assertEquals(0640, info(d2).permissions(), "d2.txt is d1.txt renamed: " + info(d2));

		// Calls that fail leave no fact, no file and no string behind.
		Path ghost = tmp.resolve("ghost.txt");
		runHelper(helper, "missing", ghost.toString());
		for (String name : List.of("ghost.txt", "ghost.txt.2", "ghost.txt.3")) {
			Path p = tmp.resolve(name);
			assertEquals(Map.of(), pairsOf(p), "facts of failed calls on " + p);
			assertNull(files.map("files").lookup(u64(Keys.stringKey(p.toString()))), p.toString());
			assertNull(StringDictionary.of(files).text(Keys.stringKey(p.toString())), p.toString());
		}

		// Relative names against the working directory (AT_FDCWD), in processes that exist only for this.
		Path rel = tmp.resolve("rel.txt");
		run("/bin/sh", "-c", "cd '" + tmp + "' && touch rel.txt && rm rel.txt");
		Map.Entry<Key, TaskFile> touched = anyPair(rel, ACT_CREATE);
		assertDid(touched.getValue(), ACT_OPEN, rel);
		Map.Entry<Key, TaskFile> removed = anyPair(rel, ACT_UNLINK);
		assertEquals("rm", task(removed.getKey().taskKey()).comm(), "tasks has the process that unlinked");
		assertEquals("touch", task(touched.getKey().taskKey()).comm());

		// execve: a binary, and a script (the script and its interpreter).
		Path exe = KernelSupport.uniqueCopy(Path.of("/bin/true"), tmp);
		int exePid = run(exe.toString());
		assertDid(pairOf(exePid, exe), ACT_EXECVE, exe);
		assertEquals(Keys.stringKey(exe.toString()), task(taskKeyOfPair(exePid, exe)).exeKey());
		Path script = tmp.resolve("script.sh");
		Files.writeString(script, "#!/bin/sh\nexit 0\n");
		Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
		int scriptPid = run(script.toString());
		assertDid(pairOf(scriptPid, script), ACT_EXECVE, script);
		Path shell = Path.of("/bin/sh").toRealPath();
		assertDid(pairOf(scriptPid, shell), ACT_EXECVE, shell);

		// The JVM was there before: it was adopted into the shared tasks map with its first pair.
		assertEquals(ProcessHandle.current().pid(), task(jvm).pid());
		// Notices: the pair (jvm, a.txt) was announced; generations are files_seq values.
		pollNotices();
		long aKey = Keys.stringKey(a.toString());
		assertTrue(notices.stream().anyMatch(n -> n.kind() == NoticeLayout.KIND_FILE_PAIR && n.key() == jvm
				&& n.seq() == aKey) || counter(Counter.NOTICE_LOST) > 0, "a notice of the new pair (jvm, a.txt)");
		long seq = u64(files.map("files_seq").lookup(u32(0)), 0);
		// It carried the generation the new pair took; and the new path came with its bytes, no lookup needed.
		assertTrue(notices.stream().anyMatch(n -> n.kind() == NoticeLayout.KIND_FILE_PAIR && n.key() == jvm
				&& n.seq() == aKey && n.gen() > 0 && n.gen() <= onA.gen()) || counter(Counter.NOTICE_LOST) > 0,
				"the pair's notice has its generation (<= " + onA.gen() + ")");
		FileInfo noticedA = pairFiles.get(aKey);
		assertTrue(noticedA != null && noticedA.pathKey() == aKey
				&& noticedA.ino() == ((Number) attrs.get("ino")).longValue() || counter(Counter.NOTICE_LOST) > 0,
				"the new pair's notice carried a.txt's files entry: " + noticedA);
		// Each notice of the pair carried the pair as its change left it: together they hold every action, all
		// with the pair's pid and first time, each with the generation its notice took or a later one.
		List<TaskFile> copies = pairCopies.getOrDefault(List.of(jvm, aKey), List.of());
		TaskFile nowA = pair(jvm, a); // renamed since onA was read
		if (counter(Counter.NOTICE_LOST) == 0) {
			int union = 0;
			for (TaskFile copy : copies) {
				union |= copy.actions();
				assertEquals(onA.firstNs(), copy.firstNs(), "a copy of (jvm, a.txt): " + copy);
				assertEquals(onA.pid(), copy.pid());
				assertEquals(0, copy.actions() & ~nowA.actions(), "no action the pair does not have");
				assertTrue(copy.gen() > 0 && copy.gen() <= nowA.gen());
			}
			assertEquals(nowA.actions(), union, "the copies of (jvm, a.txt) hold its actions: " + copies);
		}
		assertTrue(a.toString().equals(noticedPaths.get(aKey)) || counter(Counter.PATH_NOTICE_LOST) > 0,
				"a.txt's path came with its notice: " + noticedPaths.get(aKey));
		noticedPaths.forEach((k, text) -> assertEquals(Keys.stringKey(text), k, "a noticed path under its own key"));
		assertTrue(onA.gen() > 0 && seq >= pair(jvm, b).gen(), "gen " + onA.gen() + ", files_seq " + seq);
		assertTrue(counter(Counter.FILE_ACTIONS) > 0 && counter(Counter.FCACHE_HIT) > 0
				&& counter(Counter.FCACHE_MISS) > 0 && counter(Counter.FILE_PAIRS) > 0);
		assertEquals(0, counter(Counter.TASK_FILE_FULL));
		assertVerifierCountsAreSane();
	}

	@Test
	void repeatsAreOneEntryWithCountersAndNoNotices() throws Exception {
		load(f -> {
		});
		long jvm = taskKey(ProcessHandle.current().pid());
		Path hot = tmp.resolve("hot.txt");
		Files.writeString(hot, "0123456789abcdef");
		long key = Keys.stringKey(hot.toString());
		int reads = 100_000;
		try (FileChannel ch = FileChannel.open(hot, StandardOpenOption.READ)) {
			ByteBuffer buf = ByteBuffer.allocateDirect(1);
			pollNotices();
			int before = notices.size();
			for (int i = 0; i < reads; i++) {
				buf.clear();
				ch.read(buf, 0);
			}
			pollNotices();
			long mine = notices.subList(before, notices.size()).stream()
					.filter(n -> n.isFile() && n.key() == jvm && n.seq() == key).count();
			assertTrue(mine <= 2, mine + " notices for " + reads + " reads");
			TaskFile t = pair(jvm, hot);
			assertTrue(t.count(ACT_READ) >= reads, t.toString());
			assertTrue(t.actionNames().containsAll(List.of("open", "read")), t.actionNames().toString());
			long gen = t.gen();
			for (int i = 0; i < 1000; i++) {
				buf.clear();
				ch.read(buf, 0);
			}
			TaskFile again = pair(jvm, hot);
			assertEquals(gen, again.gen(), "repeats do not make a new generation");
			assertTrue(again.count(ACT_READ) >= t.count(ACT_READ) + 1000);
			assertTrue(again.lastNs() >= t.lastNs());
		}
		AtomicLong entries = new AtomicLong();
		files.map("task_file").dump((k, v) -> {
			Key pk = Key.decode(k);
			if (pk.taskKey() == jvm && pk.fileKey() == key) {
				entries.incrementAndGet();
			}
		});
		assertEquals(1, entries.get(), "one task_file entry for (this JVM, hot.txt)");
	}

	/**
	 * A mount moved elsewhere keeps its dentries and its struct mount, so file_cache would go on naming its files
	 * by their old paths; the path epoch, bumped by the successful mount call, makes the next open walk again.
	 * Done by a shell in a mount namespace of its own, which takes the tmpfs with it when it exits; mount -n, so
	 * that libmount does not rewrite /run/mount/utab (by a rename, which would bump the epoch for another reason).
	 */
	@Test
	void aMovedMountIsSeenUnderItsNewPath() throws Exception {
		load(f -> {
		});
		Path from = Files.createDirectories(tmp.resolve("mnt-from"));
		Path to = Files.createDirectories(tmp.resolve("mnt-to"));
		String script = "set -e\n"
				+ "mount -n -t tmpfs -o size=1m jibril-test '" + from + "'\n"
				+ "echo x > '" + from + "/f.txt'\n"
				+ "read l < '" + from + "/f.txt'\n"
				+ "read l < '" + from + "/f.txt'\n" // from file_cache by now
				+ "mount -n --move '" + from + "' '" + to + "'\n"
				+ "read l < '" + to + "/f.txt'\n";
		int sh = run("unshare", "--mount", "--propagation", "private", "sh", "-c", script);
		assertTrue(pairOf(sh, from.resolve("f.txt")).count(ACT_OPEN) >= 3, "the opens before the move");
		TaskFile after = pairOf(sh, to.resolve("f.txt"));
		assertTrue(after.has(ACT_OPEN), "the open after the move is under the mount's new path");
		assertEquals(to.resolve("f.txt").toString(), string(info(to.resolve("f.txt")).pathKey()));
		assertEquals("tmpfs", string(info(to.resolve("f.txt")).fsKey()), "the filesystem type, not this CPU's last one");
		assertTrue(pairOf(sh, from.resolve("f.txt")).count(ACT_OPEN) <= 3, "and not under its old one");
	}

	/**
	 * Repeated opens of a file take its path from file_cache (keyed by dentry and mount), and what would make that
	 * path or its metadata wrong is seen: a rename of a directory above the file, a new mode, a new inode.
	 */
	@Test
	void repeatedOpensUseThePathCacheUntilARenameOrAChangeOfTheFile() throws Exception {
		load(f -> {
		});
		long jvm = taskKey(ProcessHandle.current().pid());
		Path dir = Files.createDirectories(tmp.resolve("d1/sub"));
		Path file = dir.resolve("f.txt");
		Files.writeString(file, "x");
		Files.readAllBytes(file);
		long hits = counter(Counter.FCACHE_HIT);
		for (int i = 0; i < 100; i++) {
			Files.readAllBytes(file);
		}
		assertTrue(counter(Counter.FCACHE_HIT) - hits >= 100, "repeated opens hit the path cache");
		assertTrue(pair(jvm, file).count(ACT_OPEN) >= 101);

		// the directory two levels up is renamed: the file's dentry is untouched, its path is not
		Path moved = Files.move(tmp.resolve("d1"), tmp.resolve("d2")).resolve("sub/f.txt");
		Files.readAllBytes(moved);
		assertTrue(pair(jvm, moved).has(ACT_OPEN), "the open after the rename is under the new path");
		assertEquals(moved.toString(), string(info(moved).pathKey()));

		// a new mode is seen at the next open, through the cache
		Files.readAllBytes(moved);
		Files.setPosixFilePermissions(moved, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
		Files.readAllBytes(moved);
		assertEquals(0100600, info(moved).mode(), "mode after chmod");

		// the same name for a new inode (unlinked, created again)
		Files.delete(moved);
		Files.writeString(moved, "y");
		Files.readAllBytes(moved);
		assertEquals(((Number) Files.getAttribute(moved, "unix:ino")).longValue(), info(moved).ino());
	}

	/**
	 * A path resolved for the first time is not put in file_cache (a flood of one-off files would only churn it);
	 * resolved a second time, it is. Counted among this test's own files (by the file key of each cached entry), so
	 * that other processes' entries do not count; a cache may lose an entry (LRU), so one or two short is allowed.
	 */
	@Test
	void aFileEntersThePathCacheAtItsSecondResolution() throws Exception {
		load(f -> {
		});
		int n = 64;
		Path dir = Files.createDirectories(tmp.resolve("once"));
		java.util.Set<Long> fs = new java.util.HashSet<>();
		java.util.Set<Long> gs = new java.util.HashSet<>();
		for (int i = 0; i < n; i++) {
			Path f = dir.resolve("f" + i);
			Files.writeString(f, "x"); // created, written and closed: one resolution each
			fs.add(Keys.stringKey(f.toString()));
		}
		assertTrue(cached(fs) <= 2, "resolved once, not cached: " + cached(fs) + " of " + n);
		for (int i = 0; i < n; i++) {
			Files.readAllBytes(dir.resolve("f" + i)); // the second
		}
		assertTrue(cached(fs) >= n - 2, "each file is cached at its second resolution: " + cached(fs) + " of " + n);
		for (int i = 0; i < n; i++) {
			Path g = dir.resolve("g" + i);
			Files.writeString(g, "x");
			gs.add(Keys.stringKey(g.toString()));
		}
		assertTrue(cached(gs) <= 2, "files resolved once are not cached: " + cached(gs) + " of " + n);
	}

	/** How many file_cache entries resolve to one of these file keys (a path_cache_entry starts with it). */
	private long cached(java.util.Set<Long> fileKeys) {
		AtomicLong n = new AtomicLong();
		files.map("file_cache").dump((k, v) -> {
			if (fileKeys.contains(v.order(java.nio.ByteOrder.nativeOrder()).getLong(v.position()))) {
				n.incrementAndGet();
			}
		});
		return n.get();
	}

	@Test
	void mapsTooSmallCountTheirOverflow() throws Exception {
		int small = 16;
		load(f -> {
			f.map("task_file").setMaxEntries(small);
			f.map("files").setMaxEntries(small);
		});
		assertEquals(small, files.map("task_file").maxEntries());
		for (int i = 0; i < 4 * small; i++) {
			Files.writeString(tmp.resolve("f" + i), "x");
		}
		assertTrue(counter(Counter.TASK_FILE_FULL) > 0, "TASK_FILE_FULL counts the pairs that did not fit");
		assertTrue(counter(Counter.FILES_FULL) > 0, "FILES_FULL counts the files that did not fit");
		AtomicLong n = new AtomicLong();
		files.map("task_file").dump((k, v) -> n.incrementAndGet());
		assertTrue(n.get() <= small, n + " entries in a map of " + small);
	}

	/** Not a test of speed (nothing is asserted about times): prints what a read costs with the programs on. */
	@Test
	void costOfAReadWithTheProgramsAttachedAndDetached() throws Exception {
		load(f -> {
		});
		Path helper = compileHelper();
		Path file = tmp.resolve("bench.txt");
		Files.writeString(file, "x");
		int n = 200_000;
		int rounds = 3;
		double[] detached = new double[rounds];
		double[] attached = new double[rounds];
		for (int round = 0; round < rounds; round++) {
			links.forEach(BpfLink::close); // detached: the programs stay loaded, the maps pinned
			detached[round] = fastestRead(helper, file, n);
			links = files.attachAll();
			attached[round] = fastestRead(helper, file, n);
		}
		double off = Arrays.stream(detached).min().orElseThrow();
		double on = Arrays.stream(attached).min().orElseThrow();
		System.out.printf("files.bpf.o: pread64 of 1 byte, CPU time per call: %.1f ns detached, %.1f ns attached,"
				+ " %+.1f ns per read (each the best of 4 x %d reads; per round: detached %s, attached %s)%n", off, on,
				on - off, n, Arrays.toString(detached), Arrays.toString(attached));
		TaskFile t = anyPair(file, ACT_READ).getValue();
		assertTrue(t.count(ACT_READ) >= n, "the attached runs were recorded: " + t);
	}

	// ---- helpers

	private static void sizeShared(BpfObject object) {
		object.map("tasks").setMaxEntries(TASKS);
		object.map("strings").setMaxEntries(STRINGS);
		object.map("strings_short").setMaxEntries(STRINGS);
	}

	private static double fastestRead(Path helper, Path file, int n) throws Exception {
		double best = Double.MAX_VALUE;
		for (int i = 0; i < 4; i++) {
			String out = KernelSupport.run(helper.toString(), "reads", file.toString(), Integer.toString(n));
			Matcher m = Pattern.compile("ns_per_read (\\S+)").matcher(out);
			assertTrue(m.find(), out);
			best = Math.min(best, Double.parseDouble(m.group(1)));
		}
		return best;
	}

	private Path compileHelper() throws Exception {
		return KernelSupport.compileHelper("file_actions", tmp);
	}

	private int runHelper(Path helper, String... args) throws Exception {
		List<String> cmd = new ArrayList<>();
		cmd.add(helper.toString());
		cmd.addAll(List.of(args));
		return run(cmd.toArray(String[]::new));
	}

	/** Runs a command to completion (exit 0 expected); returns its pid. */
	private int run(String... command) throws Exception {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		children.add(p);
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
		assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + out);
		return (int) p.pid();
	}

	private static long taskKey(long pid) throws IOException {
		return Keys.taskKey((int) pid, KernelSupport.startTicks(pid) * Keys.NSEC_PER_TICK);
	}

	private void pollNotices() {
		while (ring.poll(50) > 0) {
			// drain
		}
	}

	private long counter(Counter c) {
		return files.map("counters").sumPerCpuLong(c.index());
	}

	private TaskFile pair(long taskKey, Path file) {
		byte[] v = files.map("task_file").lookup(new Key(taskKey, Keys.stringKey(file.toString())).bytes());
		if (v == null) {
			fail("no task_file entry for task " + Long.toHexString(taskKey) + " and " + file + "; entries of that file: "
					+ pairsOf(file));
		}
		return TaskFile.decode(ByteBuffer.wrap(v));
	}

	/** The pair of the process with thread group id pid and file. */
	private TaskFile pairOf(int pid, Path file) {
		return pair(taskKeyOfPair(pid, file), file);
	}

	private long taskKeyOfPair(int pid, Path file) {
		for (Map.Entry<Key, TaskFile> e : pairsOf(file).entrySet()) {
			if (e.getValue().pid() == pid) {
				return e.getKey().taskKey();
			}
		}
		return fail("no task_file entry for pid " + pid + " and " + file + "; entries of that file: " + pairsOf(file));
	}

	/** A pair of file that has action act, whichever the process. */
	private Map.Entry<Key, TaskFile> anyPair(Path file, int act) {
		for (Map.Entry<Key, TaskFile> e : pairsOf(file).entrySet()) {
			if (e.getValue().has(act)) {
				return e;
			}
		}
		return fail("no process did " + TaskFileLayout.ACTION_NAMES.get(act) + " on " + file + ": " + pairsOf(file));
	}

	private Map<Key, TaskFile> pairsOf(Path file) {
		long key = Keys.stringKey(file.toString());
		Map<Key, TaskFile> found = new LinkedHashMap<>();
		files.map("task_file").dump((k, v) -> {
			Key pk = Key.decode(k);
			if (pk.fileKey() == key) {
				found.put(pk, TaskFile.decode(v));
			}
		});
		return found;
	}

	/** The pair has the action's bit and counter, and the strings map has the file's absolute path. */
	private void assertDid(TaskFile t, int act, Path file) {
		String name = TaskFileLayout.ACTION_NAMES.get(act);
		assertTrue(t.has(act), name + " on " + file + ": " + t.actionNames());
		assertTrue(t.count(act) >= 1, name + " counted on " + file + ": " + t);
		assertTrue(t.firstNs() > 0 && t.lastNs() >= t.firstNs() && t.gen() > 0, t.toString());
		long key = Keys.stringKey(file.toString());
		assertEquals(file.toString(), string(key), "strings entry of the file key");
		assertEquals(key, info(file).pathKey());
	}

	private FileInfo info(Path file) {
		byte[] v = files.map("files").lookup(u64(Keys.stringKey(file.toString())));
		assertNotNull(v, "files entry of " + file);
		return FileInfo.decode(ByteBuffer.wrap(v));
	}

	private String string(long key) {
		assertNotEquals(0, key);
		Text t = StringDictionary.of(files).text(key);
		assertNotNull(t, "strings entry " + Long.toHexString(key));
		return t.text();
	}

	private Task task(long key) {
		byte[] v = tasks.map("tasks").lookup(u64(key));
		assertNotNull(v, "tasks entry " + Long.toHexString(key));
		return TaskLayout.decode(ByteBuffer.wrap(v));
	}

	/** Owner, mode, device, inode, mount and filesystem type as stat(2) and /proc/self/mountinfo say. */
	private void assertMetadata(FileInfo fi, Map<String, Object> unix) throws IOException {
		assertFalse(fi.has(FileLayout.FLAG_NO_INODE), fi.toString());
		assertFalse(fi.has(FileLayout.FLAG_PATH_TRUNC), fi.toString());
		assertEquals(((Number) unix.get("uid")).intValue(), fi.uid());
		assertEquals(((Number) unix.get("gid")).intValue(), fi.gid());
		assertEquals(((Number) unix.get("mode")).intValue(), fi.mode());
		assertEquals("file", fi.type());
		assertEquals(((Number) unix.get("ino")).longValue(), fi.ino());
		assertEquals(((Number) unix.get("dev")).longValue(), FileLayout.statDev(fi.dev()), "st_dev");
		assertEquals(mountId(tmp), fi.mntId(), "mount id of " + tmp);
		assertEquals(Files.getFileStore(tmp).type(), string(fi.fsKey()), "filesystem type");
		assertTrue(fi.firstNs() > 0 && fi.lastNs() >= fi.firstNs());
	}

	/** The id (first field of /proc/self/mountinfo) of the mount that holds dir: the longest mount point. */
	private static int mountId(Path dir) throws IOException {
		int id = -1;
		int best = -1;
		for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
			String[] f = line.split(" ");
			String point = f[4].replace("\\040", " ");
			boolean holds = point.equals("/") || dir.toString().equals(point) || dir.toString().startsWith(point + "/");
			if (holds && point.length() >= best) {
				best = point.length();
				id = Integer.parseInt(f[0]);
			}
		}
		return id;
	}

	/** Every program loaded, with the verifier's instruction count far from its limit of one million. */
	private void assertVerifierCountsAreSane() {
		Map<String, Integer> verified = new TreeMap<>();
		for (BpfProgram p : files.programs()) {
			verified.put(p.name(), verifiedInstructions(p));
		}
		int max = verified.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
		int min = verified.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
		System.out.printf("files.bpf.o: %d programs, the verifier walked %d to %d instructions each%n",
				verified.size(), min, max);
		assertTrue(min > 0, verified.toString());
		assertTrue(max < 250_000, "the verifier walked " + max + " instructions for one program: " + verified);
	}

	/** struct bpf_prog_info.verified_insns (offset 216, Linux 5.16+); bpftool 7.1 does not print it. */
	private static int verifiedInstructions(BpfProgram p) {
		int size = 232;
		try (Memory info = new Memory(size); Memory len = new Memory(4)) {
			info.clear();
			len.setInt(0, size);
			int rc = Libs.bpf().bpf_obj_get_info_by_fd(p.fd(), info, len);
			assertEquals(0, rc, "bpf_obj_get_info_by_fd of " + p);
			assertTrue(len.getInt(0) >= 220, "the kernel reports verified_insns");
			return info.getInt(216);
		}
	}
}
