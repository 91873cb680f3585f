package jibril.procfs.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.StringDictionary;
import jibril.bpf.UpdateFlag;
import jibril.bpf.layout.FileLayout;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskLayout;

/**
 * Writes every process found under a proc root into the tasks map (and its exe path and argument vector into the
 * strings dictionary), keyed exactly as the kernel programs key them, without overwriting what the kernel already
 * recorded. Plain Java over two maps, so it is tested on its own.
 */
final class ProcSeeder {

    /** What one seeding pass did. */
    record Result(int seeded, int known, int gone, int failed, List<String> errors, long millis, int filePairs,
            int filesFailed, int filesSkipped) {

        Result(int seeded, int known, int gone, int failed, List<String> errors, long millis) {
            this(seeded, known, gone, failed, errors, millis, 0, 0, 0);
        }

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seeded", seeded);
            m.put("already_known", known);
            m.put("file_pairs_seeded", filePairs);
            m.put("file_pairs_failed", filesFailed);
            m.put("file_pairs_skipped", filesSkipped);
            m.put("gone_while_reading", gone);
            m.put("failed", failed);
            m.put("errors", errors);
            m.put("millis", millis);
            return m;
        }
    }

    /** One process as /proc shows it. */
    record Proc(int pid, int ppid, long startNs, int uid, int gid, String comm, byte[] exe, byte[] cmdline) {
    }

    private final Path proc;
    private final BpfMap tasks;
    private final StringDictionary strings;
    private final BpfMap files;
    private final BpfMap taskFile;
    private final BpfMap fileCursors;

    ProcSeeder(Path proc, BpfMap tasks, StringDictionary strings) {
        this(proc, tasks, strings, null, null);
    }

    /**
     * @param files    the files map, or null to seed processes only
     * @param taskFile the task_file map, or null to seed processes only
     */
    ProcSeeder(Path proc, BpfMap tasks, StringDictionary strings, BpfMap files, BpfMap taskFile) {
        this(proc, tasks, strings, files, taskFile, null);
    }

    /**
     * @param fileCursors the files object's file_cursors array, whose seeded-pairs count is raised by the pairs
     *                    this seeding inserts (the data layer's index by pid learns from it that it lacks them);
     *                    null to leave it alone
     */
    ProcSeeder(Path proc, BpfMap tasks, StringDictionary strings, BpfMap files, BpfMap taskFile,
            BpfMap fileCursors) {
        this.fileCursors = fileCursors;
        this.proc = proc;
        this.tasks = tasks;
        this.strings = strings;
        this.files = files;
        this.taskFile = taskFile;
    }

    Result seed() {
        long t0 = System.currentTimeMillis();
        Map<Integer, Proc> all = new HashMap<>();
        int gone = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : dirs) {
                Proc p = read(dir);
                if (p == null) {
                    gone++;
                } else {
                    all.put(p.pid(), p);
                }
            }
        } catch (IOException e) {
            return new Result(0, 0, gone, 1, List.of("cannot list " + proc + ": " + e.getMessage()),
                    System.currentTimeMillis() - t0);
        }
        int seeded = 0;
        int known = 0;
        int failed = 0;
        List<String> errors = new ArrayList<>();
        byte[] key = new byte[8];
        for (Proc p : all.values()) {
            Proc parent = all.get(p.ppid());
            long taskKey = Keys.taskKey(p.pid(), p.startNs());
            long parentKey = parent == null ? 0 : Keys.taskKey(parent.pid(), parent.startNs());
            try {
                long exeKey = intern(p.exe());
                long argsKey = intern(p.cmdline());
                TaskLayout.Task t = new TaskLayout.Task(taskKey, parentKey, p.startNs(), 0, 0, exeKey, argsKey, 0,
                        p.pid(), p.ppid(), p.uid(), p.gid(), 0, 0, p.comm());
                ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, taskKey);
                tasks.update(key, t.encode(), UpdateFlag.NOEXIST);
                seeded++;
            } catch (BpfException e) {
                if (e.errno() == 17) { // EEXIST: the kernel recorded it first, and knows better
                    known++;
                } else {
                    failed++;
                    if (errors.size() < 5) {
                        errors.add("pid " + p.pid() + ": " + e.getMessage());
                    }
                }
            }
        }
        int pairs = 0;
        int pairsFailed = 0;
        int skipped = 0;
        if (files != null && taskFile != null) {
            OpenFiles open = new OpenFiles(proc);
            long now = jibril.bpf.BpfRuntime.bootTimeNanos();
            // Held files first, then mapped ones, and at most a quarter of task_file: on a host with thousands of
            // processes the libraries they map must not crowd out what the kernel records from now on.
            List<Map.Entry<Proc, OpenFiles.Open>> held = new ArrayList<>();
            List<Map.Entry<Proc, OpenFiles.Open>> mapped = new ArrayList<>();
            for (Proc p : all.values()) {
                for (OpenFiles.Open f : open.of(p.pid())) {
                    ((f.actions() & (1 << TaskFileLayout.ACT_OPEN)) != 0 ? held : mapped).add(Map.entry(p, f));
                }
            }
            held.addAll(mapped);
            long budget = Math.max(1, taskFile.maxEntries() / 4L);
            for (Map.Entry<Proc, OpenFiles.Open> e : held) {
                if (pairs >= budget) {
                    skipped++;
                    continue;
                }
                try {
                    pairs += seedPair(e.getKey(), e.getValue(), now) ? 1 : 0;
                } catch (BpfException x) {
                    pairsFailed++;
                    if (errors.size() < 5) {
                        errors.add("pid " + e.getKey().pid() + " " + e.getValue().path() + ": " + x.getMessage());
                    }
                }
            }
            if (pairs > 0 && fileCursors != null) {
                countSeeded(pairs);
            }
        }
        return new Result(seeded, known, gone, failed, errors, System.currentTimeMillis() - t0, pairs, pairsFailed,
                skipped);
    }

    /**
     * Records that a process has a file open (or mapped) as the kernel would have recorded its open (or mmap):
     * the file in files, the pair in task_file. Its generation is 0: it predates Jibril, so it is queryable and
     * in the background of later detections, but it is not reported as a new action. What the kernel recorded
     * first is never overwritten.
     */
    private boolean seedPair(Proc p, OpenFiles.Open f, long now) {
        byte[] path = f.path().getBytes(StandardCharsets.UTF_8);
        long fileKey = intern(path);
        boolean truncated = path.length > StringLayout.STR_MAX - 1;
        ByteBuffer info = ByteBuffer.allocate(FileLayout.SIZE).order(ByteOrder.nativeOrder());
        info.putLong(FileLayout.OFF_PATH_KEY, fileKey);
        info.putLong(FileLayout.OFF_FS_KEY, f.fsType().isEmpty() ? 0 : intern(f.fsType().getBytes(StandardCharsets.UTF_8)));
        info.putLong(FileLayout.OFF_INO, f.ino());
        info.putLong(FileLayout.OFF_FIRST_NS, now);
        info.putLong(FileLayout.OFF_LAST_NS, now);
        info.putInt(FileLayout.OFF_DEV, f.kernelDev());
        info.putInt(FileLayout.OFF_MNT_ID, f.mntId());
        info.putInt(FileLayout.OFF_MODE, f.mode());
        info.putInt(FileLayout.OFF_UID, f.uid());
        info.putInt(FileLayout.OFF_GID, f.gid());
        info.putInt(FileLayout.OFF_FLAGS, truncated ? FileLayout.FLAG_PATH_TRUNC : 0);
        byte[] fk = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, fileKey).array();
        insert(files, fk, info.array());

        ByteBuffer pair = ByteBuffer.allocate(TaskFileLayout.SIZE).order(ByteOrder.nativeOrder());
        pair.putInt(TaskFileLayout.OFF_ACTIONS, f.actions());
        pair.putInt(TaskFileLayout.OFF_PID, p.pid());
        pair.putLong(TaskFileLayout.OFF_FIRST_NS, now);
        pair.putLong(TaskFileLayout.OFF_LAST_NS, now);
        pair.putLong(TaskFileLayout.OFF_GEN, 0);
        for (int a = 0; a < TaskFileLayout.ACTIONS; a++) {
            if ((f.actions() & (1 << a)) != 0) {
                pair.putInt(TaskFileLayout.OFF_COUNTS + 4 * a, 1);
            }
        }
        pair.putInt(TaskFileLayout.OFF_FLAGS, truncated ? FileLayout.FLAG_PATH_TRUNC : 0);
        ByteBuffer pk = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        pk.putLong(0, Keys.taskKey(p.pid(), p.startNs()));
        pk.putLong(8, fileKey);
        return insert(taskFile, pk.array(), pair.array());
    }

    /** Raises file_cursors' seeded-pairs count (only userland writes it, only one seeding runs at a time). */
    private void countSeeded(int pairs) {
        byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(TaskFileLayout.CURSOR_SEEDED_PAIRS)
                .array();
        byte[] v = fileCursors.lookup(k);
        long was = v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
        fileCursors.update(k, ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(was + pairs).array(),
                UpdateFlag.ANY);
    }

    /** Inserts unless present; false when the key was there (the kernel's entry wins). */
    private static boolean insert(BpfMap map, byte[] key, byte[] value) {
        try {
            map.update(key, value, UpdateFlag.NOEXIST);
            return true;
        } catch (BpfException e) {
            if (e.errno() == 17) {
                return false;
            }
            throw e;
        }
    }

    /** Stores data in the strings dictionary under the key the kernel would give it; 0 for nothing. */
    private long intern(byte[] data) {
        if (data.length == 0) {
            return 0;
        }
        byte[] value = StringLayout.encode(data);
        int len = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt(StringLayout.OFF_LEN);
        long k = Keys.fnv1a(data, len);
        byte[] key = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(k).array();
        strings.putIfAbsent(key, value);
        return k;
    }

    /** Reads one /proc/PID directory; null when the process is gone (or a kernel thread has no image). */
    static Proc read(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            int close = stat.lastIndexOf(')');
            String comm = stat.substring(stat.indexOf('(') + 1, close);
            String[] f = stat.substring(close + 2).split(" ");
            int ppid = Integer.parseInt(f[1]);
            long startNs = Long.parseLong(f[19]) * Keys.NSEC_PER_TICK;
            int uid = 0;
            int gid = 0;
            for (String l : Files.readAllLines(dir.resolve("status"))) {
                if (l.startsWith("Uid:")) {
                    uid = Integer.parseUnsignedInt(l.split("\\s+")[1]);
                } else if (l.startsWith("Gid:")) {
                    gid = Integer.parseUnsignedInt(l.split("\\s+")[1]);
                }
            }
            byte[] exe;
            try {
                exe = Files.readSymbolicLink(dir.resolve("exe")).toString().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                exe = new byte[0]; // kernel threads have no exe
            }
            byte[] cmdline = Files.readAllBytes(dir.resolve("cmdline"));
            return new Proc(Integer.parseInt(dir.getFileName().toString()), ppid, startNs, uid, gid, comm, exe,
                    cmdline);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
