package jibril.data.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.MapCounter;
import jibril.bpf.StringDictionary;
import jibril.bpf.layout.FileLayout;
import jibril.bpf.layout.FlowLayout;
import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskFlowLayout;
import jibril.bpf.layout.TaskLayout;

/**
 * Keeps the fact maps from filling up on a long-running, busy host. Below three quarters of a map's size nothing
 * is touched (the pinned maps keep every fact across restarts); above it, what is no longer needed goes, oldest
 * first, until the map is half full:
 * <ul>
 * <li>task_file and task_flow pairs that userland has already reported, those of processes that exited first;</li>
 * <li>files and flows no remaining pair refers to;</li>
 * <li>strings (paths, argument vectors, …) that no task, file or pair refers to any more (userland keeps the
 * resolved text of what it reported in its caches).</li>
 * </ul>
 * Every entry removed is counted; a pair that is removed before it was reported never is (those are left in place:
 * only the kernel's own full counters can tell that the map was too small). Runs on the data layer's thread.
 * <p>
 * A round first reads the maps' entry counts from the kernel ({@link MapCounter}: exact, a few microseconds per
 * map) and stops there while every map is below its high mark, which is nearly always; only where the kernel keeps
 * no counts does every round walk the maps to learn their fill.
 */
final class Reclaimer {

    /** Fill above which a map is reclaimed, and the fill it is brought back to, in quarters of its size. */
    static final int HIGH_QUARTERS = 3;
    static final int LOW_QUARTERS = 2;

    final AtomicLong pairsReclaimed = new AtomicLong();
    final AtomicLong filesReclaimed = new AtomicLong();
    final AtomicLong flowsReclaimed = new AtomicLong();
    final AtomicLong stringsReclaimed = new AtomicLong();
    final AtomicLong rounds = new AtomicLong();
    /** Rounds that stopped after reading the counts: no map was above its high mark. */
    final AtomicLong roundsBelowMark = new AtomicLong();

    private final BpfMap tasks;
    private final StringDictionary strings;
    private final BpfMap taskFile;
    private final BpfMap files;
    private final BpfMap taskFlow;
    private final BpfMap flows;
    /** The kernel's entry counts; null where they cannot be read (then every round walks the maps). */
    private final java.util.function.Supplier<MapCounter> counter;
    private boolean walkAlways;

    /**
     * Any of the pair/fact maps may be null (that family of programs is not loaded); {@code counter} is asked on
     * the first round (it loads a small iterator program) and may throw {@link BpfException} or return null.
     */
    Reclaimer(BpfMap tasks, StringDictionary strings, BpfMap taskFile, BpfMap files, BpfMap taskFlow, BpfMap flows,
            java.util.function.Supplier<MapCounter> counter) {
        this.counter = counter;
        this.tasks = tasks;
        this.strings = strings;
        this.taskFile = taskFile;
        this.files = files;
        this.taskFlow = taskFlow;
        this.flows = flows;
    }

    private record Pair(byte[] key, long taskKey, long factKey, long lastNs, boolean reported) {
    }

    /**
     * One round. {@code fileReported} and {@code flowReported} say whether a pair's generation was reported (or
     * nobody wanted it reported).
     */
    void round(LongPredicate fileReported, LongPredicate flowReported) {
        rounds.incrementAndGet();
        if (!walkAlways) {
            try {
                MapCounter c = counter == null ? null : counter.get();
                if (c == null) {
                    walkAlways = true;
                } else if (!anyAboveMark(c.counts())) {
                    roundsBelowMark.incrementAndGet();
                    return;
                }
            } catch (BpfException | IllegalStateException e) {
                walkAlways = true; // kernel before 6.6: no element counts, the walk below tells the fill
            }
        }
        // Strings are snapshotted before anything that refers to them, so a string interned for an entry written
        // during this round is seen referenced by that entry (the kernel interns first, then stores the entry).
        List<Long> shortKeys = strings == null ? List.of() : keys(strings.shortMap());
        List<Long> longKeys = strings == null ? List.of() : keys(strings.longMap());
        Set<Long> live = new HashSet<>();
        Map<Long, Boolean> exited = new LinkedHashMap<>();
        tasks.dump((k, v) -> {
            ByteBuffer b = v.order(ByteOrder.nativeOrder());
            TaskLayout.Task t = TaskLayout.decode(b);
            exited.put(t.key(), (t.flags() & TaskLayout.FLAG_EXITED) != 0);
            live.add(t.exeKey());
            live.add(t.argsKey());
            live.add(t.prevExeKey());
            live.add(t.hostnameKey());
        });
        if (taskFile != null && files != null) {
            List<Pair> pairs = new ArrayList<>();
            taskFile.dump((k, v) -> {
                TaskFileLayout.Key key = TaskFileLayout.Key.decode(k.duplicate());
                TaskFileLayout.TaskFile tf = TaskFileLayout.TaskFile.decode(v.order(ByteOrder.nativeOrder()));
                pairs.add(new Pair(key.bytes(), key.taskKey(), key.fileKey(), tf.lastNs(),
                        tf.gen() == 0 || fileReported.test(tf.gen())));
            });
            pairsReclaimed.addAndGet(shrinkPairs(taskFile, pairs, exited));
            Set<Long> referenced = new HashSet<>();
            for (Pair p : pairs) {
                referenced.add(p.factKey());
            }
            filesReclaimed.addAndGet(shrinkFacts(files, referenced, (k, v) -> {
                FileLayout.FileInfo f = FileLayout.decode(v.order(ByteOrder.nativeOrder()));
                return f.lastNs();
            }));
            live.addAll(referenced); // a file key is its path's strings key
            files.dump((k, v) -> {
                FileLayout.FileInfo f = FileLayout.decode(v.order(ByteOrder.nativeOrder()));
                live.add(f.pathKey());
                live.add(f.fsKey());
            });
        }
        if (taskFlow != null && flows != null) {
            List<Pair> pairs = new ArrayList<>();
            taskFlow.dump((k, v) -> {
                ByteBuffer kb = k.order(ByteOrder.nativeOrder());
                byte[] key = new byte[kb.remaining()];
                kb.duplicate().get(key);
                TaskFlowLayout.TaskFlow tf = TaskFlowLayout.TaskFlow.decode(v.order(ByteOrder.nativeOrder()));
                pairs.add(new Pair(key, TaskFlowLayout.Key.taskKey(kb), TaskFlowLayout.Key.flowKey(kb), tf.lastNs(),
                        tf.gen() == 0 || flowReported.test(tf.gen())));
            });
            pairsReclaimed.addAndGet(shrinkPairs(taskFlow, pairs, exited));
            Set<Long> referenced = new HashSet<>();
            for (Pair p : pairs) {
                referenced.add(p.factKey());
            }
            flowsReclaimed.addAndGet(shrinkFacts(flows, referenced, (k, v) -> {
                FlowLayout.Flow f = FlowLayout.Flow.decode(v.order(ByteOrder.nativeOrder()));
                return f.lastNs();
            }));
        }
        if (strings != null) {
            shrinkStrings(strings.shortMap(), shortKeys, live);
            shrinkStrings(strings.longMap(), longKeys, live);
        }
    }

    /** Deletes strings nothing refers to from a map above its high mark, down to its low mark. */
    private void shrinkStrings(BpfMap map, List<Long> keys, Set<Long> live) {
        if (keys.size() <= (long) map.maxEntries() * HIGH_QUARTERS / 4) {
            return;
        }
        int target = map.maxEntries() * LOW_QUARTERS / 4;
        int size = keys.size();
        byte[] key = new byte[8];
        for (long k : keys) {
            if (size <= target) {
                break;
            }
            if (k != 0 && !live.contains(k)) {
                ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, k);
                if (map.delete(key)) {
                    stringsReclaimed.incrementAndGet();
                    size--;
                }
            }
        }
    }

    private boolean anyAboveMark(Map<Integer, Long> counts) {
        BpfMap shorts = strings == null ? null : strings.shortMap();
        BpfMap longs = strings == null ? null : strings.longMap();
        for (BpfMap m : new BpfMap[] { shorts, longs, taskFile, files, taskFlow, flows }) {
            if (m != null && counts.getOrDefault(m.id(), 0L) > (long) m.maxEntries() * HIGH_QUARTERS / 4) {
                return true;
            }
        }
        return false;
    }

    /** Removes reported pairs, those of exited (or unknown) processes first, then the oldest. */
    private static int shrinkPairs(BpfMap map, List<Pair> pairs, Map<Long, Boolean> exited) {
        int max = map.maxEntries();
        if (pairs.size() <= (long) max * HIGH_QUARTERS / 4) {
            return 0;
        }
        int target = max * LOW_QUARTERS / 4;
        List<Pair> candidates = new ArrayList<>();
        for (Pair p : pairs) {
            if (p.reported()) {
                candidates.add(p);
            }
        }
        candidates.sort(Comparator.comparing((Pair p) -> !exited.getOrDefault(p.taskKey(), true))
                .thenComparingLong(Pair::lastNs));
        int removed = 0;
        Set<Pair> gone = new HashSet<>();
        for (Pair p : candidates) {
            if (pairs.size() - removed <= target) {
                break;
            }
            if (map.delete(p.key())) {
                removed++;
                gone.add(p);
            }
        }
        pairs.removeAll(gone);
        return removed;
    }

    private interface LastNs {
        long of(ByteBuffer key, ByteBuffer value);
    }

    /** Removes facts no pair refers to, oldest first, when the map is above its high mark. */
    private static int shrinkFacts(BpfMap map, Set<Long> referenced, LastNs lastNs) {
        record Fact(long key, long lastNs) {
        }
        List<Fact> all = new ArrayList<>();
        map.dump((k, v) -> all.add(new Fact(k.order(ByteOrder.nativeOrder()).getLong(k.position()), lastNs.of(k, v))));
        int max = map.maxEntries();
        if (all.size() <= (long) max * HIGH_QUARTERS / 4) {
            return 0;
        }
        int target = max * LOW_QUARTERS / 4;
        all.sort(Comparator.comparingLong(Fact::lastNs));
        int removed = 0;
        byte[] key = new byte[8];
        for (Fact f : all) {
            if (all.size() - removed <= target) {
                break;
            }
            if (!referenced.contains(f.key())) {
                ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, f.key());
                if (map.delete(key)) {
                    removed++;
                }
            }
        }
        return removed;
    }

    private static List<Long> keys(BpfMap map) {
        List<Long> out = new ArrayList<>();
        map.dump((k, v) -> out.add(k.order(ByteOrder.nativeOrder()).getLong(k.position())));
        return out;
    }

    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rounds", rounds.get());
        s.put("rounds_below_mark", roundsBelowMark.get());
        s.put("counts_from_kernel", !walkAlways);
        s.put("pairs", pairsReclaimed.get());
        s.put("files", filesReclaimed.get());
        s.put("flows", flowsReclaimed.get());
        s.put("strings", stringsReclaimed.get());
        return s;
    }
}
