package jibril.data.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import jibril.bpf.BpfMap;
import jibril.bpf.BpfRuntime;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;
import jibril.core.api.ProcessRecord;

/**
 * Reads processes out of the kernel's tasks map as {@link ProcessRecord}s: exe and arguments resolved through the
 * strings dictionary (cached: a key's string never changes), boot-clock times converted to the epoch. Records of
 * processes whose kernel entry was reclaimed stay in a bounded cache, so ancestry and queries still know them; a
 * process neither knows (it started before Jibril and never forked or execed since) is read from {@code /proc}.
 */
final class TaskStore {

    static final int MAX_ANCESTRY = 32;

    private final BpfMap tasks;
    private final BpfMap strings;
    private final byte[] key = new byte[8];
    private final byte[] taskValue;
    private final byte[] stringValue;
    private final Map<Long, String> stringCache;
    private final Map<Long, ProcessRecord> reclaimed;

    TaskStore(BpfMap tasks, BpfMap strings, int stringCacheSize, int reclaimedCacheSize) {
        this.tasks = tasks;
        this.strings = strings;
        this.taskValue = new byte[tasks.valueSize()];
        this.stringValue = new byte[strings.valueSize()];
        this.stringCache = lru(stringCacheSize);
        this.reclaimed = lru(reclaimedCacheSize);
    }

    private static <K, V> Map<K, V> lru(int size) {
        return Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > size;
            }
        });
    }

    /** The raw kernel entry under this key, or null. */
    synchronized Task task(long taskKey) {
        ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, taskKey);
        if (!tasks.lookupInto(key, taskValue)) {
            return null;
        }
        return TaskLayout.decode(ByteBuffer.wrap(taskValue).order(ByteOrder.nativeOrder()));
    }

    /** The process under this key: kernel map first, then the reclaimed cache; null if neither knows it. */
    ProcessRecord process(long taskKey, Clock clock) {
        Task t = task(taskKey);
        return t != null ? record(t, clock) : reclaimed.get(taskKey);
    }

    /** Every process the kernel map holds, then the reclaimed ones it no longer does. */
    void forEach(Clock clock, Consumer<ProcessRecord> action) {
        List<Task> all = new ArrayList<>();
        tasks.dump((k, v) -> all.add(TaskLayout.decode(v.order(ByteOrder.nativeOrder()))));
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Task t : all) {
            seen.add(t.key());
            action.accept(record(t, clock));
        }
        List<ProcessRecord> old;
        synchronized (reclaimed) {
            old = new ArrayList<>(reclaimed.values());
        }
        for (ProcessRecord r : old) {
            if (!seen.contains(r.key())) {
                action.accept(r);
            }
        }
    }

    /** The dictionary string under this key; empty when unknown. */
    synchronized String string(long stringKey) {
        if (stringKey == 0) {
            return "";
        }
        String cached = stringCache.get(stringKey);
        if (cached != null) {
            return cached;
        }
        ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, stringKey);
        if (!strings.lookupInto(key, stringValue)) {
            return "";
        }
        String s = StringLayout.decode(ByteBuffer.wrap(stringValue).order(ByteOrder.nativeOrder())).text();
        stringCache.put(stringKey, s);
        return s;
    }

    ProcessRecord record(Task t, Clock clock) {
        return new ProcessRecord(t.key(), t.parentKey(), Integer.toUnsignedLong(t.pid()),
                Integer.toUnsignedLong(t.ppid()), Integer.toUnsignedLong(t.uid()), Integer.toUnsignedLong(t.gid()),
                t.comm(), string(t.exeKey()), splitArgs(string(t.argsKey())), clock.epoch(t.startNs()),
                t.execNs() == 0 ? 0 : clock.epoch(t.execNs()), t.exitNs() == 0 ? 0 : clock.epoch(t.exitNs()),
                t.exitCode(), t.execSeq());
    }

    /** Parents of p, nearest first: from the maps and the reclaimed cache while they know them, then /proc. */
    List<ProcessRecord> ancestry(ProcessRecord p, Clock clock) {
        List<ProcessRecord> chain = new ArrayList<>();
        ProcessRecord cur = p;
        while (chain.size() < MAX_ANCESTRY && cur.ppid() > 0) {
            ProcessRecord parent = process(cur.parentKey(), clock);
            if (parent == null) {
                procAncestry(cur.ppid(), MAX_ANCESTRY - chain.size(), chain, clock);
                break;
            }
            chain.add(parent);
            cur = parent;
        }
        return chain;
    }

    /**
     * Removes from the kernel map the processes that exited more than {@code graceNs} ago and that userland has
     * already reported (execSeq at or below the cursor), keeping their records in the reclaimed cache.
     *
     * @return how many entries were reclaimed
     */
    int reclaim(long cursor, long graceNs, Clock clock) {
        long bootNow = clock.bootNow();
        List<Task> done = new ArrayList<>();
        tasks.dump((k, v) -> {
            Task t = TaskLayout.decode(v.order(ByteOrder.nativeOrder()));
            if ((t.flags() & TaskLayout.FLAG_EXITED) != 0 && bootNow - t.exitNs() > graceNs && t.execSeq() <= cursor) {
                done.add(t);
            }
        });
        for (Task t : done) {
            reclaimed.put(t.key(), record(t, clock));
            ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, t.key());
            synchronized (this) {
                tasks.delete(key);
            }
        }
        return done.size();
    }

    static List<String> splitArgs(String nulSeparated) {
        List<String> out = new ArrayList<>();
        if (nulSeparated.isEmpty()) {
            return out;
        }
        String s = nulSeparated.endsWith("\0") ? nulSeparated.substring(0, nulSeparated.length() - 1) : nulSeparated;
        Collections.addAll(out, s.split("\0", -1));
        return out;
    }

    /** Reads processes the maps do not know from /proc, following ppid. */
    static void procAncestry(long pid, int max, List<ProcessRecord> out, Clock clock) {
        while (pid > 0 && out.size() < max) {
            ProcessRecord r = fromProc(pid, clock);
            if (r == null) {
                return;
            }
            out.add(r);
            pid = r.ppid();
        }
    }

    /** One process from /proc, or null when it is gone or unreadable. */
    static ProcessRecord fromProc(long pid, Clock clock) {
        Path dir = Path.of("/proc", Long.toString(pid));
        try {
            String stat = Files.readString(dir.resolve("stat"));
            int close = stat.lastIndexOf(')');
            String comm = stat.substring(stat.indexOf('(') + 1, close);
            String[] f = stat.substring(close + 2).split(" ");
            long ppid = Long.parseLong(f[1]);
            long startNs = Long.parseLong(f[19]) * Keys.NSEC_PER_TICK;
            List<String> argv = splitArgs(Files.readString(dir.resolve("cmdline"), StandardCharsets.UTF_8));
            String exe;
            try {
                exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
            } catch (java.io.IOException e) {
                exe = "";
            }
            long uid = -1;
            long gid = -1;
            for (String l : Files.readAllLines(dir.resolve("status"))) {
                if (l.startsWith("Uid:")) {
                    uid = Long.parseLong(l.split("\\s+")[1]);
                } else if (l.startsWith("Gid:")) {
                    gid = Long.parseLong(l.split("\\s+")[1]);
                }
            }
            return new ProcessRecord(Keys.taskKey((int) pid, startNs), 0, pid, ppid, uid, gid, comm, exe, argv,
                    clock.epoch(startNs), 0, 0, 0, 0);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** Converts the kernel's boot clock to the epoch. */
    static final class Clock {
        private volatile long offset;
        private volatile long readAt;

        /** Nanoseconds since the epoch of a CLOCK_BOOTTIME reading. */
        long epoch(long bootNs) {
            long now = System.nanoTime();
            if (now - readAt > 1_000_000_000L) {
                java.time.Instant wall = java.time.Instant.now();
                offset = wall.getEpochSecond() * 1_000_000_000L + wall.getNano() - BpfRuntime.bootTimeNanos();
                readAt = now;
            }
            return bootNs + offset;
        }

        long bootNow() {
            return BpfRuntime.bootTimeNanos();
        }
    }
}
