package jibril.data.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import jibril.bpf.BpfMap;
import jibril.bpf.BpfRuntime;
import jibril.bpf.StringDictionary;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;
import jibril.core.api.ProcessRecord;

/**
 * Reads processes out of the kernel's tasks map as {@link ProcessRecord}s: exe and arguments resolved through the
 * strings dictionary (cached: a key's string never changes), boot-clock times converted to the epoch. Records of
 * processes whose kernel entry was reclaimed stay in a bounded cache, so ancestry and queries still know them.
 */
final class TaskStore {

    static final int MAX_ANCESTRY = 32;

    private final BpfMap tasks;
    private final StringDictionary strings;
    private final byte[] key = new byte[8];
    private final byte[] taskValue;
    private final byte[] stringValue;
    private final StringCache stringCache;
    private final Map<Long, ProcessRecord> reclaimed;

    private final Places places;

    TaskStore(BpfMap tasks, StringDictionary strings, int stringCacheSize, int reclaimedCacheSize, Places places) {
        this.places = places;
        this.tasks = tasks;
        this.strings = strings;
        this.taskValue = new byte[tasks.valueSize()];
        this.stringValue = new byte[StringLayout.SIZE];
        this.stringCache = new StringCache(stringCacheSize);
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

    /** A process as read at {@code readNs} (boot clock, taken before the read), and the exec it then had. */
    private record Snapshot(long taskKey, ProcessRecord record, long readNs, long execNs) {
    }

    /** Recent snapshots, direct-mapped by task key: a process doing many new things is read once per batch. */
    private final Snapshot[] recent = new Snapshot[1024];
    final java.util.concurrent.atomic.AtomicLong snapshotHits = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong snapshotReads = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The process under this key as it was at {@code atNs} (boot clock): a snapshot read after that moment serves
     * as long as the process had not executed since {@code atNs} when it was read (its exec time says so), so one
     * read serves every fact of a batch the process made before it; otherwise it is read again.
     * The record's exit fields are those of the last read.
     */
    ProcessRecord processAt(long taskKey, long atNs, Clock clock) {
        int slot = (int) (taskKey ^ (taskKey >>> 29)) & (recent.length - 1);
        Snapshot s = recent[slot];
        if (s != null && s.taskKey() == taskKey && s.readNs() >= atNs && s.execNs() <= atNs) {
            snapshotHits.incrementAndGet();
            return s.record();
        }
        snapshotReads.incrementAndGet();
        long readNs = clock.bootNow();
        Task t = task(taskKey);
        if (t == null) {
            return reclaimed.get(taskKey);
        }
        ProcessRecord r = record(t, clock);
        recent[slot] = new Snapshot(taskKey, r, readNs, t.execNs());
        return r;
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

    /** The dictionary string under this key; empty when unknown. Hits take no lock. */
    String string(long stringKey) {
        if (stringKey == 0) {
            return "";
        }
        String cached = stringCache.get(stringKey);
        return cached != null ? cached : load(stringKey);
    }

    /** Strings read from the kernel's dictionary, and strings that arrived with their notice instead. */
    final java.util.concurrent.atomic.AtomicLong stringLookups = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong stringsNoticed = new java.util.concurrent.atomic.AtomicLong();

    /** A dictionary string that came with its notice (a new short path): cached, so that no lookup is needed. */
    void learn(long stringKey, String text) {
        if (stringKey != 0) {
            stringsNoticed.incrementAndGet();
            stringCache.put(stringKey, text);
        }
    }

    private synchronized String load(long stringKey) {
        stringLookups.incrementAndGet();
        ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, stringKey);
        if (!strings.lookupInto(key, stringValue)) {
            return "";
        }
        String s = StringLayout.decode(ByteBuffer.wrap(stringValue).order(ByteOrder.nativeOrder())).text();
        stringCache.put(stringKey, s);
        return s;
    }

    ProcessRecord record(Task t, Clock clock) {
        long uid = Integer.toUnsignedLong(t.uid());
        long gid = Integer.toUnsignedLong(t.gid());
        String cgroup = places.cgroup(t.cgroupId());
        ProcessRecord.Place place = new ProcessRecord.Place(places.user(uid), places.group(gid),
                string(t.prevExeKey()), cgroup, Places.containerId(cgroup), string(t.hostnameKey()),
                Places.namespaces(t.ns()));
        return new ProcessRecord(t.key(), t.parentKey(), Integer.toUnsignedLong(t.pid()),
                Integer.toUnsignedLong(t.ppid()), uid, gid, t.comm(), string(t.exeKey()), splitArgs(string(t.argsKey())),
                clock.epoch(t.startNs()), t.execNs() == 0 ? 0 : clock.epoch(t.execNs()),
                t.exitNs() == 0 ? 0 : clock.epoch(t.exitNs()), t.exitCode(), t.execSeq(), place);
    }

    /**
     * Parents of p, nearest first, as far as the maps and the reclaimed cache know them. Processes older than the
     * daemon are known when jibril:procfs seeded them, or once the kernel adopted them (at their next fork or a
     * child's exec).
     */
    List<ProcessRecord> ancestry(ProcessRecord p, Clock clock) {
        List<ProcessRecord> chain = new ArrayList<>();
        ProcessRecord cur = p;
        while (chain.size() < MAX_ANCESTRY && cur.ppid() > 0) {
            ProcessRecord parent = process(cur.parentKey(), clock);
            if (parent == null) {
                break;
            }
            chain.add(parent);
            cur = parent;
        }
        return chain;
    }

    /**
     * Makes room in the kernel map when it runs full: above three quarters of its size, the processes that exited
     * longest ago (and that userland has already reported: execSeq at or below the cursor) are moved into the
     * reclaimed cache until the map is half full. Below that, nothing moves, so the pinned map keeps every fact
     * across daemon restarts.
     *
     * @return how many entries were reclaimed
     */
    int reclaim(long cursor, Clock clock, int entriesSeen) {
        int max = tasks.maxEntries();
        if (entriesSeen <= max * 3L / 4) {
            return 0;
        }
        List<Task> all = new ArrayList<>();
        tasks.dump((k, v) -> all.add(TaskLayout.decode(v.order(ByteOrder.nativeOrder()))));
        List<Task> done = new ArrayList<>();
        for (Task t : all) {
            if ((t.flags() & TaskLayout.FLAG_EXITED) != 0 && t.execSeq() <= cursor) {
                done.add(t);
            }
        }
        done.sort((a, b) -> Long.compare(a.exitNs(), b.exitNs()));
        int toFree = Math.min(done.size(), all.size() - max / 2);
        for (int i = 0; i < toFree; i++) {
            Task t = done.get(i);
            reclaimed.put(t.key(), record(t, clock));
            synchronized (this) {
                ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, t.key());
                tasks.delete(key);
            }
        }
        return toFree;
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
