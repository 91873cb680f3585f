package jibril.data.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.EntryConsumer;
import jibril.bpf.layout.FileLayout;
import jibril.bpf.layout.FileLayout.FileInfo;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskFileLayout.TaskFile;
import jibril.core.api.FileRecord;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;

/**
 * The file area of the data layer: what each process did to each file, from the kernel's task_file relations
 * (an action bitmask with counters per pair) and files map (path, type, owner, mode, file system). A new pair or a
 * new action on a pair reaches the listeners once, by notice or by the sweep at the file-access cadence.
 */
final class FileArea {

    private final BpfMap files;
    private final BpfMap taskFile;
    private final BpfMap cursors;
    private final BpfMap seq;
    private final TaskStore tasks;
    private final TaskStore.Clock clock;
    private final Generations pairs;
    private final byte[] pairValue;
    private final byte[] fileKey = new byte[8];
    private final byte[] fileValue;
    final AtomicLong reported = new AtomicLong();
    final AtomicLong foundBySweep = new AtomicLong();
    final AtomicLong walks = new AtomicLong();
    final AtomicLong filesFromNotices = new AtomicLong();
    final AtomicLong walksSkipped = new AtomicLong();
    final AtomicLong indexBuilds = new AtomicLong();
    final AtomicLong queriesIndexed = new AtomicLong();
    final AtomicLong queriesWalked = new AtomicLong();
    /**
     * The pairs by pid, complete while it is not null: built from a walk, then fed with every pair reported. Null
     * when nobody listens (pairs are then not read as they come), and after pairs left the map or were added
     * behind the kernel's back (procfs seeding), until {@link #maintainIndex} builds it again.
     */
    private volatile PairIndex index;
    /** The seeded-pairs count (file_cursors) the index was built after. */
    private long indexSeeded = -1;

    FileArea(BpfObject object, TaskStore tasks, TaskStore.Clock clock) {
        this.files = object.map("files");
        this.taskFile = object.map("task_file");
        this.cursors = object.map(TaskFileLayout.MAP_FILE_CURSORS);
        this.seq = object.map("files_seq");
        this.tasks = tasks;
        this.clock = clock;
        this.pairs = new Generations(DataLayer.readU64(cursors, TaskFileLayout.CURSOR_PAIRS));
        this.copies = new CopyMerger<>(TaskFile::gen, pairs, MAX_PENDING);
        this.pairValue = new byte[taskFile.valueSize()];
        this.fileValue = new byte[files.valueSize()];
    }

    /** Whether the pair generation was reported (or skipped because nobody listens). */
    boolean reported(long gen) {
        return pairs.isHandled(gen);
    }

    boolean handles(int kind) {
        return kind == NoticeLayout.KIND_FILE_PAIR || kind == NoticeLayout.KIND_FILE_BITS;
    }

    private final Coalescer coalescer = new Coalescer();

    /**
     * A notice of a new pair or a new bit.
     *
     * @param index the notice's number in queue order
     * @param queuedBefore the number of the last notice queued before this call
     * @param file the file's metadata when the notice carried it (a new pair's), else null: it is looked up
     * @param copy the pair as the notice's change left it, when the notice carried it (the kernel's do): it is
     *        merged with the other notices of the pair until the queue runs dry ({@link #flush}), then reported
     *        without a read of the map; else null: the pair is read
     */
    void onNotice(Notice n, FileInfo file, TaskFile copy, long index, long queuedBefore,
            BiConsumer<FileRecord, List<String>> onFile) {
        if (copy != null) {
            merge(n, file, copy, onFile);
            return;
        }
        if (coalescer.coveredOrRead(n.key(), n.seq(), index, queuedBefore)) {
            // An earlier read of this pair, made after this notice was queued, saw this change already (bits only
            // accumulate): its generation is reported with that read.
            claimNoticed(n.gen());
            return;
        }
        TaskFileLayout.Key key = new TaskFileLayout.Key(n.key(), n.seq());
        TaskFile tf = lookupPair(key);
        if (tf == null) {
            return; // gone (reclaimed, or the map was full): the sweep counts its generation as missed
        }
        // The entry holds this change and maybe later ones: the notice's generation is reported with it. The
        // entry's own generation first: it is usually the notice's, and claiming that one first would hide it.
        boolean fresh = pairs.claim(tf.gen());
        claimNoticed(n.gen());
        if (fresh) {
            if (file != null && file.pathKey() == key.fileKey()) {
                filesFromNotices.incrementAndGet();
                reportWith(key.taskKey(), key.fileKey(), tf, file, onFile);
            } else {
                report(key.taskKey(), key.fileKey(), tf, onFile);
            }
        }
    }

    /** Flushed at this many pairs even while notices keep coming (bounds the memory and the delay). */
    static final int MAX_PENDING = 4096;
    /** Pairs brought by notices with their copy and not yet reported, with the file a new pair's notice carried. */
    private final CopyMerger<TaskFile, FileInfo> copies;

    int pending() {
        return copies.size();
    }

    private void merge(Notice n, FileInfo file, TaskFile copy, BiConsumer<FileRecord, List<String>> onFile) {
        FileInfo carried = file != null && file.pathKey() == n.seq() ? file : null;
        if (copies.merge(n.key(), n.seq(), copy, carried, n.gen())) {
            flush(onFile);
        }
    }

    /** Reports every pending pair once, with its newest copy (CopyMerger: a pair a sweep reported is not again). */
    void flush(BiConsumer<FileRecord, List<String>> onFile) {
        copies.flush((taskKey, fileKey, tf, file) -> {
            if (file != null) {
                filesFromNotices.incrementAndGet();
                reportWith(taskKey, fileKey, tf, file, onFile);
            } else {
                report(taskKey, fileKey, tf, onFile);
            }
        });
    }

    private void claimNoticed(long gen) {
        if (gen != 0) {
            pairs.claim(gen);
        }
    }

    /** A sweep when no listener wants file observations: the cursor follows the kernel, nothing is read. */
    void skip() {
        index = null;
        copies.clear(); // nobody listens: their generations are skipped with the rest
        pairs.skipTo(DataLayer.readU64(seq, 0));
        saveCursor();
    }

    void sweep(BiConsumer<FileRecord, List<String>> onFile) {
        flush(onFile);
        long global = DataLayer.readU64(seq, 0);
        if (pairs.caughtUp()) {
            // Every generation up to the previous sweep's sequence came by notice: nothing for a walk to find
            // that the notices on their way will not bring. The walk costs a read of every pair (a million here).
            walksSkipped.incrementAndGet();
            pairs.sweepDone(global);
            saveCursor();
            return;
        }
        walks.incrementAndGet();
        record Pending(TaskFileLayout.Key key, TaskFile tf) {
        }
        List<Pending> unseen = new ArrayList<>();
        taskFile.dump((k, v) -> {
            // Only the generation is read for every pair; whole pairs are decoded for the unseen few.
            long gen = v.order(ByteOrder.nativeOrder()).getLong(v.position() + TaskFileLayout.OFF_GEN);
            if (gen != 0 && !pairs.isHandled(gen)) {
                unseen.add(new Pending(TaskFileLayout.Key.decode(k), TaskFile.decode(v)));
            }
        });
        unseen.sort((a, b) -> Long.compare(a.tf().gen(), b.tf().gen()));
        for (Pending p : unseen) {
            if (pairs.claim(p.tf().gen())) {
                foundBySweep.incrementAndGet();
                report(p.key().taskKey(), p.key().fileKey(), p.tf(), onFile);
            }
        }
        pairs.sweepDone(global);
        saveCursor();
    }

    private void report(long taskKey, long fileKey, TaskFile tf, BiConsumer<FileRecord, List<String>> onFile) {
        reportWith(taskKey, fileKey, tf, lookupFile(fileKey), onFile);
    }

    private void reportWith(long taskKey, long fileKey, TaskFile tf, FileInfo file,
            BiConsumer<FileRecord, List<String>> onFile) {
        reported.incrementAndGet();
        PairIndex ix = index;
        if (ix != null) {
            ix.add(tf.pid(), taskKey, fileKey);
        }
        onFile.accept(record(tasks.processAt(taskKey, tf.firstNs(), clock), fileKey, tf, file), tf.actionNames());
    }

    /**
     * On the data layer's thread, while pairs are reported (a listener wants them): builds the index when there is
     * none, or when procfs seeded pairs since it was built (they have no generation, so no report brings them).
     */
    void maintainIndex() {
        long seeded = DataLayer.readU64(cursors, TaskFileLayout.CURSOR_SEEDED_PAIRS);
        if (index != null && seeded == indexSeeded) {
            return;
        }
        PairIndex built = new PairIndex();
        taskFile.dump((k, v) -> {
            ByteBuffer kb = k.order(ByteOrder.nativeOrder());
            built.add(v.order(ByteOrder.nativeOrder()).getInt(v.position() + TaskFileLayout.OFF_PID),
                    kb.getLong(kb.position() + TaskFileLayout.Key.OFF_TASK_KEY),
                    kb.getLong(kb.position() + TaskFileLayout.Key.OFF_FILE_KEY));
        });
        indexSeeded = seeded;
        index = built;
        indexBuilds.incrementAndGet();
    }

    /** Pairs left the map: the index is built again by the next {@link #maintainIndex}. */
    void dropIndex() {
        index = null;
    }

    private synchronized TaskFile lookupPair(TaskFileLayout.Key key) {
        return taskFile.lookupInto(key.bytes(), pairValue)
                ? TaskFile.decode(ByteBuffer.wrap(pairValue).order(ByteOrder.nativeOrder())) : null;
    }

    private synchronized FileInfo lookupFile(long key) {
        ByteBuffer.wrap(fileKey).order(ByteOrder.nativeOrder()).putLong(0, key);
        return files.lookupInto(fileKey, fileValue)
                ? FileLayout.decode(ByteBuffer.wrap(fileValue).order(ByteOrder.nativeOrder())) : null;
    }

    FileRecord record(ProcessRecord p, long pathKey, TaskFile tf, FileInfo info) {
        List<String> names = tf.actionNames();
        Map<String, Long> counts = new ActionCounts(tf);
        if (p == null) {
            p = new ProcessRecord(0, 0, Integer.toUnsignedLong(tf.pid()), 0, 0, 0, "", "", List.of(), 0, 0, 0, 0, 0,
                    ProcessRecord.Place.UNKNOWN);
        }
        return new FileRecord(p, tasks.string(pathKey), names, counts, info == null ? "unknown" : info.type(),
                info == null ? 0 : info.permissions(), info == null ? 0 : Integer.toUnsignedLong(info.uid()),
                info == null ? 0 : Integer.toUnsignedLong(info.gid()), info == null ? "" : tasks.string(info.fsKey()),
                clock.epoch(tf.firstNs()), clock.epoch(tf.lastNs()));
    }

    List<FileRecord> files(Query.Filter filter) {
        List<FileRecord> out = new ArrayList<>();
        files(filter, out::add);
        return out;
    }

    /** One matching pair, before it becomes a record. */
    private record Match(long taskKey, long fileKey, TaskFile tf) {
    }

    /**
     * The pairs that match, oldest first, one record at a time: what is held meanwhile is the matching pairs'
     * keys and counters, never all their records (a query may match hundreds of thousands of pairs).
     */
    void files(Query.Filter filter, java.util.function.Consumer<FileRecord> each) {
        long since = filter.since() == null ? Long.MIN_VALUE : DataLayer.epochNanos(filter.since());
        List<Match> matched = new ArrayList<>();
        Map<Long, Optional<ProcessRecord>> processes = new HashMap<>();
        EntryConsumer match = (k, v) -> {
            // The filters read their fields in place; only a pair that passes them is decoded (a query walks every
            // pair, hundreds of thousands on a busy host, and most fail the pid or since filter).
            ByteBuffer vb = v.order(ByteOrder.nativeOrder());
            int vp = vb.position();
            if (filter.pid() != null
                    && Integer.toUnsignedLong(vb.getInt(vp + TaskFileLayout.OFF_PID)) != filter.pid()) {
                return;
            }
            if (since != Long.MIN_VALUE && clock.epoch(vb.getLong(vp + TaskFileLayout.OFF_LAST_NS)) < since) {
                return;
            }
            ByteBuffer kb = k.order(ByteOrder.nativeOrder());
            long taskKey = kb.getLong(kb.position() + TaskFileLayout.Key.OFF_TASK_KEY);
            long fileKey = kb.getLong(kb.position() + TaskFileLayout.Key.OFF_FILE_KEY);
            if (filter.path() != null && !filter.path().matcher(tasks.string(fileKey)).find()) {
                return;
            }
            if (filter.exe() != null) {
                // Most pairs share their process with many others: resolve each process once per query.
                ProcessRecord p = processes.computeIfAbsent(taskKey, t -> Optional.ofNullable(
                        tasks.process(t, clock))).orElse(null);
                if (p == null || !filter.exe().matcher(p.exe()).find()) {
                    return;
                }
            }
            matched.add(new Match(taskKey, fileKey, TaskFile.decode(vb)));
        };
        long[] indexed = indexedPairs(filter);
        if (indexed == null) {
            queriesWalked.incrementAndGet();
            taskFile.dump(match);
        } else {
            queriesIndexed.incrementAndGet();
            byte[] kb = new byte[TaskFileLayout.Key.SIZE];
            byte[] vb = new byte[taskFile.valueSize()];
            ByteBuffer k = ByteBuffer.wrap(kb).order(ByteOrder.nativeOrder());
            ByteBuffer v = ByteBuffer.wrap(vb).order(ByteOrder.nativeOrder());
            for (int i = 0; i < indexed.length; i += 2) {
                k.putLong(TaskFileLayout.Key.OFF_TASK_KEY, indexed[i]).putLong(TaskFileLayout.Key.OFF_FILE_KEY,
                        indexed[i + 1]);
                if (taskFile.lookupInto(kb, vb)) { // else reclaimed since it was indexed
                    match.accept(k.position(0), v.position(0));
                }
            }
        }
        matched.sort((a, b) -> Long.compare(a.tf().firstNs(), b.tf().firstNs()));
        int n = filter.limit() > 0 ? Math.min(filter.limit(), matched.size()) : matched.size();
        byte[] fk = new byte[8];
        byte[] fv = new byte[FileLayout.SIZE];
        for (int i = 0; i < n; i++) {
            Match m = matched.get(i);
            matched.set(i, null); // let what was emitted go
            ProcessRecord p = processes.computeIfAbsent(m.taskKey(), t -> Optional.ofNullable(
                    tasks.process(t, clock))).orElse(null);
            ByteBuffer.wrap(fk).order(ByteOrder.nativeOrder()).putLong(0, m.fileKey());
            FileInfo info = files.lookupInto(fk, fv) ? FileLayout.decode(ByteBuffer.wrap(fv).order(ByteOrder.nativeOrder()))
                    : null;
            each.accept(record(p, m.fileKey(), m.tf(), info));
        }
    }

    /**
     * The keys of the filter's process's pairs when the index can answer and that is cheaper than a walk (a lookup
     * costs a few times what the walk spends on a pair: a process that holds over a quarter of the pairs, and more
     * than {@link #INDEX_ALWAYS} pairs, is walked).
     */
    private long[] indexedPairs(Query.Filter filter) {
        PairIndex ix = index;
        if (ix == null || filter.pid() == null || filter.pid() < 0 || filter.pid() > 0xFFFF_FFFFL) {
            return null;
        }
        int pid = (int) filter.pid().longValue();
        int count = ix.count(pid);
        return count <= INDEX_ALWAYS || (long) count * 4 <= ix.total() ? ix.of(pid) : null;
    }

    /** Pairs a process may have for its query to be answered from the index at any fill (about a millisecond). */
    static final int INDEX_ALWAYS = 1024;

    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("file_pairs_reported", reported.get());
        s.put("file_pairs_found_by_sweep", foundBySweep.get());
        s.put("file_sweep_walks", walks.get());
        s.put("file_infos_from_notices", filesFromNotices.get());
        s.put("file_sweep_walks_skipped", walksSkipped.get());
        s.put("file_pairs_missed", pairs.missed());
        s.put("file_notices_covered", coalescer.covered());
        s.put("file_pairs_from_copies", copies.pairsFromCopies.get());
        s.put("file_copies_merged", copies.copiesMerged.get());
        s.put("file_cursor", pairs.cursor());
        PairIndex ix = index;
        s.put("file_index_pairs", ix == null ? -1 : ix.total());
        s.put("file_index_builds", indexBuilds.get());
        s.put("file_queries_indexed", queriesIndexed.get());
        s.put("file_queries_walked", queriesWalked.get());
        return s;
    }

    void saveCursor() {
        DataLayer.writeU64(cursors, TaskFileLayout.CURSOR_PAIRS, pairs.cursor());
    }

    long global() {
        return DataLayer.readU64(seq, 0);
    }

    /** At a stop: the cursor as far as nothing unreported is skipped (see {@link Generations#settle}). */
    void settle(long global) {
        List<Long> present = new ArrayList<>();
        taskFile.dump((k, v) -> present.add(v.order(ByteOrder.nativeOrder()).getLong(v.position() + TaskFileLayout.OFF_GEN)));
        pairs.settle(global, present);
        saveCursor();
    }
}
