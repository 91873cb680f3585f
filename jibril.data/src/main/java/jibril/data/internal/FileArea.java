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

    FileArea(BpfObject object, TaskStore tasks, TaskStore.Clock clock) {
        this.files = object.map("files");
        this.taskFile = object.map("task_file");
        this.cursors = object.map("file_cursors");
        this.seq = object.map("files_seq");
        this.tasks = tasks;
        this.clock = clock;
        this.pairs = new Generations(DataLayer.readU64(cursors, 0));
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

    void onNotice(Notice n, BiConsumer<FileRecord, List<String>> onFile) {
        TaskFileLayout.Key key = new TaskFileLayout.Key(n.key(), n.seq());
        TaskFile tf = lookupPair(key);
        if (tf != null && pairs.claim(tf.gen())) {
            report(key, tf, onFile);
        }
    }

    /** A sweep when no listener wants file observations: the cursor follows the kernel, nothing is read. */
    void skip() {
        pairs.skipTo(DataLayer.readU64(seq, 0));
        saveCursor();
    }

    void sweep(BiConsumer<FileRecord, List<String>> onFile) {
        long global = DataLayer.readU64(seq, 0);
        record Pending(TaskFileLayout.Key key, TaskFile tf) {
        }
        List<Pending> unseen = new ArrayList<>();
        taskFile.dump((k, v) -> {
            TaskFile tf = TaskFile.decode(v.order(ByteOrder.nativeOrder()));
            if (tf.gen() != 0 && !pairs.isHandled(tf.gen())) {
                unseen.add(new Pending(TaskFileLayout.Key.decode(k), tf));
            }
        });
        unseen.sort((a, b) -> Long.compare(a.tf().gen(), b.tf().gen()));
        for (Pending p : unseen) {
            if (pairs.claim(p.tf().gen())) {
                foundBySweep.incrementAndGet();
                report(p.key(), p.tf(), onFile);
            }
        }
        pairs.sweepDone(global);
        saveCursor();
    }

    private void report(TaskFileLayout.Key key, TaskFile tf, BiConsumer<FileRecord, List<String>> onFile) {
        reported.incrementAndGet();
        onFile.accept(record(tasks.process(key.taskKey(), clock), key.fileKey(), tf, lookupFile(key.fileKey())),
                tf.actionNames());
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
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String name : names) {
            counts.put(name, tf.count(TaskFileLayout.action(name)));
        }
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
        Map<Long, FileInfo> infos = new HashMap<>();
        files.dump((k, v) -> infos.put(k.order(ByteOrder.nativeOrder()).getLong(0),
                FileLayout.decode(v.order(ByteOrder.nativeOrder()))));
        List<TaskFileLayout.Key> keys = new ArrayList<>();
        List<TaskFile> values = new ArrayList<>();
        taskFile.dump((k, v) -> {
            keys.add(TaskFileLayout.Key.decode(k));
            values.add(TaskFile.decode(v.order(ByteOrder.nativeOrder())));
        });
        long since = filter.since() == null ? Long.MIN_VALUE : DataLayer.epochNanos(filter.since());
        List<FileRecord> out = new ArrayList<>();
        Map<Long, Optional<ProcessRecord>> processes = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            TaskFile tf = values.get(i);
            if (filter.pid() != null && Integer.toUnsignedLong(tf.pid()) != filter.pid()) {
                continue;
            }
            String path = tasks.string(keys.get(i).fileKey());
            if (filter.path() != null && !filter.path().matcher(path).find()) {
                continue;
            }
            if (clock.epoch(tf.lastNs()) < since) {
                continue;
            }
            // Most pairs share their process with many others: resolve each process once per query.
            ProcessRecord p = processes.computeIfAbsent(keys.get(i).taskKey(), k -> Optional.ofNullable(
                    tasks.process(k, clock))).orElse(null);
            if (filter.exe() != null && (p == null || !filter.exe().matcher(p.exe()).find())) {
                continue;
            }
            out.add(record(p, keys.get(i).fileKey(), tf, infos.get(keys.get(i).fileKey())));
        }
        out.sort((a, b) -> Long.compare(a.firstNs(), b.firstNs()));
        return DataLayer.limit(out, filter.limit());
    }

    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("file_pairs_reported", reported.get());
        s.put("file_pairs_found_by_sweep", foundBySweep.get());
        s.put("file_pairs_missed", pairs.missed());
        s.put("file_cursor", pairs.cursor());
        return s;
    }

    void saveCursor() {
        DataLayer.writeU64(cursors, 0, pairs.cursor());
    }

    long global() {
        return DataLayer.readU64(seq, 0);
    }

    /** At a stop: the cursor as far as nothing unreported is skipped (see {@link Generations#settle}). */
    void settle(long global) {
        List<Long> present = new ArrayList<>();
        taskFile.dump((k, v) -> present.add(TaskFile.decode(v.order(ByteOrder.nativeOrder())).gen()));
        pairs.settle(global, present);
        saveCursor();
    }
}
