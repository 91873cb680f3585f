package jibril.data.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;

import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.BpfRuntime;
import jibril.bpf.RingBuffer;
import jibril.bpf.StringDictionary;
import jibril.bpf.UpdateFlag;
import jibril.bpf.layout.FileLayout;
import jibril.bpf.layout.FlowLayout;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskFlowLayout;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;
import jibril.core.api.BpfServices;
import jibril.core.api.ObservationListener;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;
import jibril.core.api.StatusSource;

/**
 * The data layer: reads the notice ring buffer (a hint that a key is new) and sweeps the maps on a cadence (the
 * truth), so every new fact reaches the {@link ObservationListener}s exactly once, even when notices were lost.
 * For processes, the generation of each exec ({@code exec_seq}) and a cursor kept in the pinned {@code cursors}
 * map decide what is new; a restarted daemon therefore reports what happened while it was down, and nothing twice.
 * It also answers {@link Query}s and reclaims kernel entries of processes that exited and were reported.
 */
@Component(immediate = true, configurationPid = { DataLayer.PID, DataLayer.CADENCES_PID },
        service = { Query.class, StatusSource.class }, property = StatusSource.NAME + "=data")
public class DataLayer implements Query, StatusSource {

    static final String PID = "jibril.caches";
    static final String CADENCES_PID = "jibril.cadences";
    private static final int CURSOR_EXEC = 0;

    @ObjectClassDefinition(name = "Jibril data layer caches")
    @interface Config {
        @AttributeDefinition(name = "rec.tasks", description = "records of reclaimed processes kept in userland")
        int rec_tasks() default 65_536;

        @AttributeDefinition(name = "cmds", description = "resolved strings (paths, command lines) kept in userland")
        int cmds() default 65_536;

        @AttributeDefinition(name = "network.flows", description = "seconds between sweeps of the flow maps")
        int network_flows() default 9;

        @AttributeDefinition(name = "file.access", description = "seconds between sweeps of the file maps")
        int file_access() default 9;
    }

    /** How long the notice reader lets notices gather after a wake-up. */
    static final long NOTICE_BATCH_MS = 5;

    /** Seconds between sweeps of the tasks map; the notice path is the fast one, sweeps are the safety net. */
    static final long TASK_SWEEP_MS = 2_000;

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference(target = "(" + BpfServices.OBJECT + "=tasks)")
    private BpfObject tasksObject;

    @Reference
    private BpfRuntime runtime;

    /** The file programs; optional, so that processes are recorded even where they could not load. */
    @Reference(target = "(" + BpfServices.OBJECT + "=files)", cardinality = ReferenceCardinality.OPTIONAL,
            policyOption = ReferencePolicyOption.GREEDY)
    private BpfObject filesObject;

    /** The network programs; optional, so that processes are recorded even where they could not load. */
    @Reference(target = "(" + BpfServices.OBJECT + "=net)", cardinality = ReferenceCardinality.OPTIONAL,
            policyOption = ReferencePolicyOption.GREEDY)
    private BpfObject netObject;

    private final List<ObservationListener> listeners = new CopyOnWriteArrayList<>();
    /** Whether any listener wants file or flow observations: if none does, those facts are only read on query. */
    private volatile boolean wantFiles;
    private volatile boolean wantFlows;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addListener(ObservationListener l) {
        listeners.add(l);
        interests();
    }

    void removeListener(ObservationListener l) {
        listeners.remove(l);
        interests();
    }

    private void interests() {
        wantFiles = listeners.stream().anyMatch(l -> overrides(l, "fileActions", jibril.core.api.FileRecord.class));
        wantFlows = listeners.stream().anyMatch(l -> overrides(l, "flow", jibril.core.api.FlowRecord.class));
    }

    /** Whether the listener's class implements the method itself (the interface's defaults do nothing). */
    static boolean overrides(ObservationListener l, String method, Class<?> record) {
        try {
            return l.getClass().getMethod(method, record, List.class).getDeclaringClass() != ObservationListener.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    private final TaskStore.Clock clock = new TaskStore.Clock();
    /**
     * A notice waiting for the data thread, with what its record carried (else null): a new file pair's file
     * metadata, a file pair's copy, a new flow pair's flow, a flow pair's copy.
     */
    private record Queued(Notice notice, FileLayout.FileInfo file, TaskFileLayout.TaskFile pair, FlowLayout.Flow flow,
            TaskFlowLayout.TaskFlow flowPair) {
    }

    private final BlockingQueue<Queued> notices = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong noticesSeen = new AtomicLong();
    private final AtomicLong noticesDropped = new AtomicLong();
    /** Notices queued so far (the poller counts after each offer), and taken (the worker alone). */
    private final AtomicLong noticesQueued = new AtomicLong();
    private long noticesTaken;
    private final AtomicLong executed = new AtomicLong();
    private final AtomicLong foundBySweep = new AtomicLong();
    private final AtomicLong reclaimedCount = new AtomicLong();
    private final AtomicLong sweeps = new AtomicLong();
    private final AtomicLong listenerErrors = new AtomicLong();
    private volatile long lastSweepMs;

    private Generations execs;

    private volatile boolean running = true;
    private TaskStore store;
    private RingBuffer ring;
    private BpfMap cursors;
    private BpfMap execSeq;
    private Thread poller;
    private Thread worker;
    private NetArea net;
    private FileArea fileArea;
    private volatile long fileSweepMillis;
    private volatile long lastFileSweepMs;
    private volatile long netSweepMillis;
    private volatile long lastNetSweepMs;
    private Reclaimer reclaimer;
    private long lastReclaimMs;

    /** How often the fact maps are checked for pressure (a check walks them: keep it rare). */
    static final long RECLAIM_MS = 5_000;

    /** The pause between reading the sequences and walking the maps when the daemon stops. */
    static final long SETTLE_MS = 20;

    @Activate
    void activate(Config config) {
        store = new TaskStore(tasksObject.map("tasks"), StringDictionary.of(tasksObject), config.cmds(), config.rec_tasks(),
                Places.host());
        cursors = tasksObject.map("cursors");
        execSeq = tasksObject.map("exec_seq");
        execs = new Generations(readU64(cursors, CURSOR_EXEC));
        if (netObject != null) {
            net = new NetArea(netObject, store, clock);
        }
        if (filesObject != null) {
            fileArea = new FileArea(filesObject, store, clock);
        }
        netSweepMillis = Math.max(1, config.network_flows()) * 1000L;
        fileSweepMillis = Math.max(1, config.file_access()) * 1000L;
        reclaimer = new Reclaimer(tasksObject.map("tasks"), StringDictionary.of(tasksObject),
                filesObject == null ? null : filesObject.map("task_file"),
                filesObject == null ? null : filesObject.map("files"),
                netObject == null ? null : netObject.map("task_flow"), netObject == null ? null : netObject.map("flows"),
                runtime::mapCounter);
        ring = runtime.ringBuffer(tasksObject.map("notices"), this::onNotice);
        poller = new Thread(this::poll, "jibril-data-notices");
        worker = new Thread(this::work, "jibril-data");
        poller.start();
        worker.start();
    }

    @Modified
    void modified(Config config) {
        // Cache sizes apply at the next start; cadences at once.
        netSweepMillis = Math.max(1, config.network_flows()) * 1000L;
        fileSweepMillis = Math.max(1, config.file_access()) * 1000L;
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        poller.join(2_000);
        worker.interrupt();
        worker.join(5_000);
        ring.close();
        // Settle the cursors: what was reported is not reported again by the next daemon, nothing else is skipped.
        long globalExec = readU64(execSeq, 0);
        long globalFiles = fileArea == null ? 0 : fileArea.global();
        long globalNet = net == null ? 0 : net.global();
        Thread.sleep(SETTLE_MS); // longer than any kernel writer holds a generation before storing it
        List<Long> present = new ArrayList<>();
        tasksObject.map("tasks").dump((k, v) -> present.add(
                v.order(ByteOrder.nativeOrder()).getLong(v.position() + TaskLayout.OFF_EXEC_SEQ)));
        execs.settle(globalExec, present);
        writeU64(cursors, CURSOR_EXEC, execs.cursor());
        if (net != null) {
            net.settle(globalNet);
        }
        if (fileArea != null) {
            fileArea.settle(globalFiles);
        }
    }

    /** Ring buffer callback on the poller thread: only queue. */
    private void onNotice(ByteBuffer record) {
        noticesSeen.incrementAndGet();
        Notice n = NoticeLayout.decode(record);
        int kind = n.kind();
        if (kind == NoticeLayout.KIND_FILE_PATH) {
            // A new path's bytes: the pair notice that follows finds it cached instead of looking it up.
            if (record.remaining() >= NoticeLayout.PATH_OFFSET + 8) {
                store.learn(n.key(), StringLayout.decode(record.slice(record.position() + NoticeLayout.PATH_OFFSET,
                        record.remaining() - NoticeLayout.PATH_OFFSET)).text());
            }
            return;
        }
        boolean wanted = kind == NoticeLayout.KIND_EXEC || kind == NoticeLayout.KIND_DNS
                || wantFlows && net != null && net.handles(kind) || wantFiles && fileArea != null && fileArea.handles(kind);
        if (wanted) {
            FileLayout.FileInfo file = null;
            TaskFileLayout.TaskFile pair = null;
            if (kind == NoticeLayout.KIND_FILE_PAIR && record.remaining() >= NoticeLayout.FILE_OFFSET + FileLayout.SIZE) {
                file = FileLayout.decode(record.slice(record.position() + NoticeLayout.FILE_OFFSET, FileLayout.SIZE));
            }
            int pairAt = kind == NoticeLayout.KIND_FILE_PAIR ? NoticeLayout.PAIR_OFFSET
                    : kind == NoticeLayout.KIND_FILE_BITS ? NoticeLayout.BITS_PAIR_OFFSET : -1;
            if (pairAt > 0 && record.remaining() >= pairAt + TaskFileLayout.SIZE) {
                pair = TaskFileLayout.TaskFile.decode(record.slice(record.position() + pairAt, TaskFileLayout.SIZE)
                        .order(ByteOrder.nativeOrder()));
            }
            FlowLayout.Flow flow = null;
            TaskFlowLayout.TaskFlow flowPair = null;
            if (kind == NoticeLayout.KIND_TASK_FLOW) {
                if (record.remaining() >= NoticeLayout.FLOW_OFFSET + FlowLayout.SIZE) {
                    flow = FlowLayout.Flow.decode(record.slice(record.position() + NoticeLayout.FLOW_OFFSET,
                            FlowLayout.SIZE));
                    if (record.remaining() >= NoticeLayout.FLOW_PAIR_OFFSET + TaskFlowLayout.SIZE) {
                        flowPair = TaskFlowLayout.TaskFlow.decode(record.slice(record.position()
                                + NoticeLayout.FLOW_PAIR_OFFSET, TaskFlowLayout.SIZE).order(ByteOrder.nativeOrder()));
                    }
                } else if (record.remaining() >= NoticeLayout.FLOW_BITS_PAIR_OFFSET + TaskFlowLayout.SIZE) {
                    flowPair = TaskFlowLayout.TaskFlow.decode(record.slice(record.position()
                            + NoticeLayout.FLOW_BITS_PAIR_OFFSET, TaskFlowLayout.SIZE).order(ByteOrder.nativeOrder()));
                }
            }
            if (notices.offer(new Queued(n, file, pair, flow, flowPair))) {
                noticesQueued.incrementAndGet();
            } else {
                noticesDropped.incrementAndGet(); // the next sweep finds it
            }
        }
    }

    private void poll() {
        while (running) {
            try {
                if (ring.poll(100) > 0) {
                    // Let notices gather for a few milliseconds: one wake-up then serves a batch instead of each
                    // notice paying for its own (the ring holds 64k notices; a lost one is found by the sweep).
                    Thread.sleep(NOTICE_BATCH_MS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (BpfException e) {
                logger.error("reading notices failed; sweeps go on", e);
                sleep(1000);
            }
        }
    }

    private void work() {
        long nextSweep = 0;
        while (running) {
            try {
                long now = System.currentTimeMillis();
                if (now >= nextSweep) {
                    sweepTasks();
                    nextSweep = now + TASK_SWEEP_MS;
                }
                if (fileArea != null && now - lastFileSweepMs >= fileSweepMillis) {
                    if (wantFiles) {
                        fileArea.sweep(this::tellFile);
                    } else {
                        fileArea.skip();
                    }
                    lastFileSweepMs = now;
                }
                if (net != null && now - lastNetSweepMs >= netSweepMillis) {
                    net.sweep(this::tellFlow, this::tellDomain, wantFlows);
                    lastNetSweepMs = now;
                }
                boolean look = now - lastFullCheckMs >= 1_000; // the counters are read once a second, not per notice
                if (look) {
                    lastFullCheckMs = now;
                }
                if (now - lastReclaimMs >= RECLAIM_MS || look && mapsRanFull()) {
                    lastReclaimMs = now;
                    long before = reclaimer.pairsReclaimed.get();
                    reclaimer.round(gen -> fileArea == null || fileArea.reported(gen),
                            gen -> net == null || net.reported(gen));
                    if (fileArea != null && reclaimer.pairsReclaimed.get() != before) {
                        fileArea.dropIndex(); // built again below: keys of removed pairs do not pile up
                        look = true;
                    }
                }
                if (look && wantFiles && fileArea != null) {
                    fileArea.maintainIndex();
                }
                boolean merging = fileArea != null && fileArea.pending() > 0 || net != null && net.pending() > 0;
                Queued q = merging ? notices.poll() : notices.poll(Math.max(1, nextSweep - now), TimeUnit.MILLISECONDS);
                if (q == null) {
                    if (merging) { // the queue ran dry: what the notices brought is reported
                        if (fileArea != null) {
                            fileArea.flush(this::tellFile);
                        }
                        if (net != null) {
                            net.flush(this::tellFlow);
                        }
                    }
                    continue;
                }
                Notice n = q.notice();
                long index = ++noticesTaken;
                if (n.kind() == NoticeLayout.KIND_EXEC) {
                    Task t = store.task(n.key());
                    // Re-executed since: the newer image is reported by its own notice or the sweep.
                    if (t != null && t.execSeq() == n.seq()) {
                        report(t, false);
                    }
                } else if (fileArea != null && fileArea.handles(n.kind())) {
                    fileArea.onNotice(n, q.file(), q.pair(), index, noticesQueued.get(), this::tellFile);
                } else if (net != null) {
                    net.onNotice(n, q.flow(), q.flowPair(), index, noticesQueued.get(), this::tellFlow, this::tellDomain);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logger.error("data layer step failed; going on", e);
                sleep(100);
            }
        }
    }

    private long fullSeen;
    private long lastFullCheckMs;

    /** Whether a fact map refused an entry since the last look (the kernel counts every refusal). */
    private boolean mapsRanFull() {
        BpfMap counters = tasksObject.map("counters");
        long full = 0;
        for (jibril.bpf.layout.Counter c : new jibril.bpf.layout.Counter[] { jibril.bpf.layout.Counter.STRINGS_FULL,
                jibril.bpf.layout.Counter.FILES_FULL, jibril.bpf.layout.Counter.TASK_FILE_FULL,
                jibril.bpf.layout.Counter.FLOWS_FULL, jibril.bpf.layout.Counter.TASK_FLOWS_FULL }) {
            full += counters.sumPerCpuLong(c.index());
        }
        boolean ran = full != fullSeen;
        fullSeen = full;
        return ran;
    }

    /** Reports every exec above the cursor no notice brought, then moves the cursor past this sweep. */
    private void sweepTasks() {
        long global = readU64(execSeq, 0);
        List<Task> unseen = new ArrayList<>();
        long entries = tasksObject.map("tasks").dump((k, v) -> {
            // Only the generation is read for every entry; whole entries are decoded for the unseen few.
            long seq = v.order(ByteOrder.nativeOrder()).getLong(v.position() + TaskLayout.OFF_EXEC_SEQ);
            if (seq != 0 && !execs.isHandled(seq)) {
                unseen.add(TaskLayout.decode(v));
            }
        });
        unseen.sort((a, b) -> Long.compare(a.execSeq(), b.execSeq()));
        for (Task t : unseen) {
            report(t, true);
        }
        execs.sweepDone(global);
        writeU64(cursors, CURSOR_EXEC, execs.cursor());
        reclaimedCount.addAndGet(store.reclaim(execs.cursor(), clock, (int) entries));
        sweeps.incrementAndGet();
        lastSweepMs = System.currentTimeMillis();
    }

    private void report(Task t, boolean bySweep) {
        if (!execs.claim(t.execSeq())) {
            return;
        }
        if (bySweep) {
            foundBySweep.incrementAndGet();
        }
        if ((t.flags() & TaskLayout.FLAG_EXECED) == 0) {
            return;
        }
        executed.incrementAndGet();
        ProcessRecord p = store.record(t, clock);
        tell(l -> l.executed(p));
    }

    private void tellFile(jibril.core.api.FileRecord file, List<String> actions) {
        tell(l -> l.fileActions(file, actions));
    }

    private void tellFlow(jibril.core.api.FlowRecord flow, List<String> actions) {
        tell(l -> l.flow(flow, actions));
    }

    private void tellDomain(jibril.core.api.DomainRecord domain) {
        tell(l -> l.resolved(domain));
    }

    private void tell(java.util.function.Consumer<ObservationListener> call) {
        for (ObservationListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                if (listenerErrors.incrementAndGet() % 1000 == 1) {
                    logger.error("an observation listener failed ({} failures so far)", listenerErrors.get(), e);
                }
            }
        }
    }

    @Override
    public List<jibril.core.api.FileRecord> files(Filter filter) {
        return fileArea == null ? List.of() : fileArea.files(filter);
    }

    @Override
    public void files(Filter filter, java.util.function.Consumer<jibril.core.api.FileRecord> each) {
        if (fileArea != null) {
            fileArea.files(filter, each);
        }
    }

    @Override
    public List<jibril.core.api.FlowRecord> flows(Filter filter) {
        return net == null ? List.of() : net.flows(filter);
    }

    @Override
    public List<jibril.core.api.DomainRecord> domains(Filter filter) {
        return net == null ? List.of() : net.domains(filter);
    }

    static <T> List<T> limit(List<T> list, int limit) {
        return limit > 0 && list.size() > limit ? list.subList(0, limit) : list;
    }

    static long epochNanos(java.time.Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public List<ProcessRecord> processes(Filter filter) {
        List<ProcessRecord> out = new ArrayList<>();
        long since = filter.since() == null ? Long.MIN_VALUE
                : filter.since().getEpochSecond() * 1_000_000_000L + filter.since().getNano();
        store.forEach(clock, p -> {
            if (filter.pid() != null && p.pid() != filter.pid()) {
                return;
            }
            if (filter.exe() != null && !filter.exe().matcher(p.exe()).find()) {
                return;
            }
            if (Math.max(p.startNs(), Math.max(p.execNs(), p.exitNs())) < since) {
                return;
            }
            out.add(p);
        });
        out.sort((a, b) -> Long.compare(a.startNs(), b.startNs()));
        return limit(out, filter.limit());
    }

    @Override
    public List<ProcessRecord> ancestry(ProcessRecord process) {
        return store.ancestry(process, clock);
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("notices_seen", noticesSeen.get());
        s.put("notices_dropped_in_userland", noticesDropped.get());
        s.put("executions", executed.get());
        s.put("executions_found_by_sweep", foundBySweep.get());
        s.put("executions_missed", execs.missed());
        s.put("tasks_reclaimed", reclaimedCount.get());
        s.put("process_reads", store.snapshotReads.get());
        s.put("process_reads_saved", store.snapshotHits.get());
        s.put("string_lookups", store.stringLookups.get());
        s.put("strings_noticed", store.stringsNoticed.get());
        if (reclaimer != null) {
            s.put("reclaimed", reclaimer.status());
        }
        s.put("sweeps", sweeps.get());
        s.put("tasks_sweep_lag_ms", lastSweepMs == 0 ? -1 : System.currentTimeMillis() - lastSweepMs);
        s.put("listeners", listeners.size());
        s.put("file_observers", wantFiles);
        s.put("flow_observers", wantFlows);
        s.put("listener_errors", listenerErrors.get());
        s.put("exec_cursor", execs.cursor());
        if (fileArea != null) {
            s.put("files", fileArea.status());
            s.put("files_sweep_lag_ms", lastFileSweepMs == 0 ? -1 : System.currentTimeMillis() - lastFileSweepMs);
        }
        if (net != null) {
            s.put("network", net.status());
            s.put("network_sweep_lag_ms", lastNetSweepMs == 0 ? -1 : System.currentTimeMillis() - lastNetSweepMs);
        }
        return s;
    }

    static long readU64(BpfMap map, int index) {
        byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
        byte[] v = map.lookup(k);
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    static void writeU64(BpfMap map, int index, long value) {
        byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
        byte[] v = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(value).array();
        map.update(k, v, UpdateFlag.ANY);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
