package jibril.core.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.osgi.service.log.Logger;

import jibril.bpf.BpfException;
import jibril.bpf.BpfLink;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.BpfProgram;
import jibril.bpf.BpfRuntime;
import jibril.bpf.RingBuffer;
import jibril.bpf.UpdateFlag;
import jibril.bpf.layout.GuardLayout;
import jibril.bpf.layout.TaintLayout.Taint;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.ProcessInfo;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;
import jibril.core.api.StatusSource;

/**
 * Tells when another process tampers with the daemon's own eBPF state, and then marks the system tainted for the rest
 * of the run: status section {@code taint} (and {@code tainted} at the top of the report), the metrics
 * {@code jibril_tainted} and {@code jibril_taint_records_total}, an ERROR in the log and a critical {@code tainted}
 * event per finding.
 *
 * <p>Three sources of findings, checked on a cadence of one second (the guard's notices wake it at once):
 * <ul>
 * <li>the guard (guard.bpf.c): every write or detach bpf() call another process made on one of the daemon's maps,
 * programs or links, with the process; {@link #arm} gives it the daemon's pid and the ids of every map, program and
 * link of the loaded objects, then freezes the guard's maps, so its records cannot be forged or erased;</li>
 * <li>the links: each must still attach the daemon's program (a link detached by BPF_LINK_DETACH reports no target,
 * one updated by BPF_LINK_UPDATE another program), whoever did it and however;</li>
 * <li>the programs of the host, every fifth sweep: one that is not the daemon's and uses one of its maps can write
 * it without any bpf() call.</li>
 * </ul>
 */
final class TaintGuard implements StatusSource, AutoCloseable {

    static final long CADENCE_MILLIS = 1_000;
    /** Program scans run every this many sweeps: they read the info of every program of the host. */
    static final int PROGRAM_SCAN_EVERY = 5;
    /** Findings shown in the status report, newest last. */
    static final int STATUS_RECORDS = 32;
    /** The guard's maps: its configuration, once written, and what only its programs write. */
    static final List<String> FROZEN = List.of("guard_config", "guarded", "taints", "guard_calls", "guard_counters");
    /**
     * Maps of the program families that only their BPF programs write (generations, counters, in-flight calls,
     * caches, scratch space): frozen too, so that no process can change them through bpf(). Userland writes the
     * others (the data layer deletes what it has read and keeps its cursors; procfs seeds tasks and strings). A
     * pinned map stays frozen for as long as it lives, across restarts, until {@code bin/jibril cleanup}.
     */
    static final Set<String> KERNEL_ONLY = Set.of("exec_seq", "files_seq", "net_seq", "flow_seq", "counters",
            "file_cache", "file_pending", "path_epoch", "net_calls", "scratch", "files_scratch", "net_scratch");

    private static final Event.Metadata METADATA = new Event.Metadata("tainted", "tainted", "tainted", "1.0",
            "Another process tampered with Jibril's own eBPF state: it wrote into or deleted from Jibril's maps, or"
                    + " detached or replaced its programs. What Jibril reports from now on may be incomplete or"
                    + " forged.",
            "defense_evasion", "impair_defenses", "disable_or_modify_tools", "critical", "");

    private final BpfRuntime runtime;
    private final List<BpfObject> objects;
    private final BpfObject guard;
    private final Logger logger;
    private final Supplier<EventPublisher> publisher;
    private final Supplier<Query> query;
    private final long daemonPid = ProcessHandle.current().pid();

    /** What the daemon owns, by {@link #key kind and id}: the map's or program's name (a link: its program's). */
    private final Map<Long, String> names = new HashMap<>();
    private final Set<Integer> ownPrograms = new HashSet<>();
    private final Set<Integer> ownMaps = new HashSet<>();
    private final List<Watched> links = new ArrayList<>();
    private final List<String> frozen = new ArrayList<>();

    /** Guarded objects by kind, for the status. */
    private final Map<String, Integer> guarded = new LinkedHashMap<>();
    private final Map<List<Integer>, Finding> records = new LinkedHashMap<>();
    private final Map<String, Finding> findings = new LinkedHashMap<>();
    private volatile String state;
    private volatile long callsTotal;
    private volatile long recordsLost;
    private volatile long noticesLost;
    private volatile long unreadable;
    private volatile long published;
    private volatile long unpublished;
    private volatile boolean stopping;
    private volatile RingBuffer ring;
    private Thread thread;
    private int sweeps;
    private Event.HostOs host;

    private record Watched(BpfLink link, String object, String program, int id, int programId) {
    }

    /** One thing that taints: a kernel record, a detached or replaced link, a foreign program. */
    private static final class Finding {
        final Map<String, Object> view = new LinkedHashMap<>();
    }

    /**
     * @param runtime   the runtime that loaded the objects
     * @param objects   every loaded object, the guard's included
     * @param guard     the loaded guard object, or null when it could not be loaded
     * @param why       why the guard is not loaded, when it is not
     * @param logger    where ERRORs go
     * @param publisher the event publisher, when there is one
     * @param query     the data layer, to describe the offending process, when there is one
     */
    TaintGuard(BpfRuntime runtime, List<BpfObject> objects, BpfObject guard, String why, Logger logger,
            Supplier<EventPublisher> publisher, Supplier<Query> query) {
        this.runtime = runtime;
        this.objects = List.copyOf(objects);
        this.guard = guard;
        this.logger = logger;
        this.publisher = publisher;
        this.query = query;
        this.state = guard == null ? "not loaded: " + why : "arming";
    }

    /**
     * Learns the ids of everything the daemon loaded, hands them to the guard with the daemon's pid, freezes the
     * guard's maps and starts watching.
     */
    synchronized void arm() {
        for (BpfObject o : objects) {
            for (BpfMap m : o.maps()) {
                if (m.fd() < 0) {
                    continue;
                }
                int id = m.id();
                ownMaps.add(id);
                names.putIfAbsent(key(GuardLayout.KIND_MAP, id), m.name());
            }
            for (BpfProgram p : o.programs()) {
                if (p.fd() < 0) {
                    continue;
                }
                int id = p.id();
                ownPrograms.add(id);
                names.put(key(GuardLayout.KIND_PROG, id), p.name());
            }
            for (BpfLink l : o.links()) {
                BpfLink.Info info = l.info();
                links.add(new Watched(l, o.name(), l.programName(), info.id(), o.program(l.programName()).id()));
                names.put(key(GuardLayout.KIND_LINK, info.id()), l.programName());
            }
        }
        freezeKernelOnly();
        guarded.put("maps", ownMaps.size());
        guarded.put("programs", ownPrograms.size());
        guarded.put("links", links.size());
        if (guard != null) {
            try {
                guard.map("guard_config").update(u32(0), GuardLayout.Config.encode(daemonPid), UpdateFlag.ANY);
                BpfMap set = guard.map("guarded");
                byte[] one = u32(1);
                for (long k : names.keySet()) {
                    set.update(GuardLayout.Key.encode((int) (k >>> 32), (int) k), one, UpdateFlag.ANY);
                }
                for (String m : FROZEN) {
                    guard.map(m).freeze();
                    frozen.add(m);
                }
                // A notice only wakes the sweep: the records are in the taints map.
                ring = runtime.ringBuffer(guard.map("guard_notices"), r -> {
                });
                state = "armed";
            } catch (BpfException e) {
                state = "not armed: " + e.getMessage();
                logger.error("the guard of Jibril's eBPF state could not be armed; only links and programs are"
                        + " checked: {}", e.getMessage());
            }
        }
        thread = new Thread(this::run, "jibril-taint-guard");
        thread.setDaemon(true);
        thread.start();
    }

    private void freezeKernelOnly() {
        Set<String> done = new HashSet<>();
        for (BpfObject o : objects) {
            for (BpfMap m : o.maps()) {
                if (!KERNEL_ONLY.contains(m.name()) || m.fd() < 0 || !done.add(m.name())) {
                    continue;
                }
                try {
                    if (!m.isFrozen()) {
                        m.freeze();
                    }
                    frozen.add(m.name());
                } catch (BpfException e) {
                    logger.warn("cannot freeze map {}: {}", m.name(), e.getMessage());
                }
            }
        }
    }

    private void run() {
        while (!stopping) {
            try {
                RingBuffer r = ring;
                if (r != null && state.equals("armed")) {
                    r.poll((int) CADENCE_MILLIS);
                } else {
                    Thread.sleep(CADENCE_MILLIS);
                }
                if (!stopping) {
                    sweep();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                logger.warn("taint sweep failed: {}", String.valueOf(e));
                try {
                    Thread.sleep(CADENCE_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** One look at everything: the guard's records and counters, the links, now and then the programs. */
    synchronized void sweep() {
        long epochOffset = System.currentTimeMillis() * 1_000_000L - BpfRuntime.bootTimeNanos();
        if (guard != null && state.equals("armed")) {
            List<Taint> now = new ArrayList<>();
            guard.map("taints").dump((k, v) -> now.add(Taint.decode(k, v)));
            now.sort((a, b) -> Long.compare(a.firstNs(), b.firstNs()));
            for (Taint t : now) {
                List<Integer> k = List.of(t.tgid(), t.cmd(), t.kind(), t.id());
                Finding f = records.get(k);
                boolean fresh = f == null;
                if (fresh) {
                    f = new Finding();
                    records.put(k, f);
                }
                describe(f, t, epochOffset);
                if (fresh) {
                    ProcessRecord offender = offender(t);
                    ProcessInfo p = offender != null ? ProcessInfo.of(offender)
                            : new ProcessInfo("", "", 0, t.uid(), t.tgid(), 0, t.comm(), "", "", "");
                    report(f, p, offender == null ? List.of() : ancestry(offender), note(t));
                }
            }
            BpfMap counters = guard.map("guard_counters");
            callsTotal = counters.sumPerCpuLong(GuardLayout.CNT_TAINTS);
            recordsLost = counters.sumPerCpuLong(GuardLayout.CNT_TAINTS_FULL);
            noticesLost = counters.sumPerCpuLong(GuardLayout.CNT_NOTICE_LOST);
            unreadable = counters.sumPerCpuLong(GuardLayout.CNT_UNREADABLE);
        }
        checkLinks();
        if (sweeps++ % PROGRAM_SCAN_EVERY == 0) {
            checkPrograms();
        }
    }

    private void checkLinks() {
        for (Watched w : links) {
            BpfLink.Info info;
            try {
                info = w.link().info();
            } catch (IllegalStateException closed) {
                continue; // the daemon is stopping
            }
            String problem = !info.attached() ? "detached"
                    : info.programId() != w.programId() ? "replaced (now program " + info.programId() + ")" : null;
            String k = "link:" + w.id();
            if (problem == null || findings.containsKey(k)) {
                continue;
            }
            Finding f = new Finding();
            f.view.put("what", problem.startsWith("detached") ? "link_detached" : "link_replaced");
            f.view.put("object", "link");
            f.view.put("object_name", w.program());
            f.view.put("family", w.object());
            f.view.put("object_number", w.id());
            f.view.put("seen", Instant.now().toString());
            findings.put(k, f);
            String note = "the link of Jibril's program " + w.program() + " (" + w.object() + ", link " + w.id()
                    + ") was " + problem + " by another process: Jibril's eBPF state is tainted";
            // The guard already named the process when it saw the call: that event says it all.
            boolean named = records.keySet().stream()
                    .anyMatch(r -> r.get(2) == GuardLayout.KIND_LINK && r.get(3) == w.id());
            if (named) {
                f.view.put("note", note);
                logger.error("TAINTED: {}", note);
            } else {
                report(f, null, List.of(), note);
            }
        }
    }

    private void checkPrograms() {
        List<BpfRuntime.LoadedProgram> all;
        try {
            all = BpfRuntime.loadedPrograms();
        } catch (BpfException e) {
            logger.debug("cannot list the programs of this host: {}", e.getMessage());
            return;
        }
        for (BpfRuntime.LoadedProgram p : all) {
            if (ownPrograms.contains(p.id())) {
                continue;
            }
            List<String> used = new ArrayList<>();
            for (int m : p.mapIds()) {
                if (ownMaps.contains(m)) {
                    used.add(names.getOrDefault(key(GuardLayout.KIND_MAP, m), "map " + m));
                }
            }
            String k = "program:" + p.id();
            if (used.isEmpty() || findings.containsKey(k)) {
                continue;
            }
            Finding f = new Finding();
            f.view.put("what", "foreign_program_uses_maps");
            f.view.put("object", "program");
            f.view.put("object_name", p.name());
            f.view.put("object_number", p.id());
            f.view.put("maps", used);
            f.view.put("seen", Instant.now().toString());
            findings.put(k, f);
            report(f, null, List.of(), "program " + p.name() + " (program " + p.id() + "), which is not Jibril's,"
                    + " uses Jibril's maps " + used + " and can change them: Jibril's eBPF state is tainted");
        }
    }

    private void describe(Finding f, Taint t, long epochOffset) {
        Map<String, Object> v = f.view;
        v.put("what", t.command());
        v.put("object", t.kindName());
        v.put("object_name", name(t.kind(), t.id()));
        v.put("object_number", t.id());
        v.put("pid", t.tgid());
        v.put("tid", t.tid());
        v.put("comm", t.comm());
        v.put("uid", t.uid());
        v.put("calls", t.count());
        v.put("succeeded", t.succeeded());
        v.put("last_result", t.lastResult());
        v.put("first_seen", ProcessInfo.rfc3339(t.firstNs() + epochOffset));
        v.put("last_seen", ProcessInfo.rfc3339(t.lastNs() + epochOffset));
    }

    private String name(int kind, int id) {
        String n = names.get(key(kind, id));
        return n == null ? GuardLayout.kind(kind) + " " + id : n;
    }

    private String note(Taint t) {
        return "process " + t.tgid() + " (" + t.comm() + ", uid " + t.uid() + ") called bpf(" + t.command() + ") on"
                + " Jibril's " + t.kindName() + " " + name(t.kind(), t.id()) + " (" + t.kindName() + " " + t.id() + ")"
                + (t.succeeded() > 0 ? "" : t.lastResult() < 0 ? "; the kernel refused (" + t.lastResult() + ")"
                        : "")
                + ": Jibril's eBPF state is tainted";
    }

    /** The offending process as the data layer knows it (by pid and task key), or null. */
    private ProcessRecord offender(Taint t) {
        Query q = query.get();
        if (q == null) {
            return null;
        }
        try {
            for (ProcessRecord p : q.processes(new Query.Filter((long) t.tgid(), null, null, null, null, null, 0))) {
                if (p.key() == t.taskKey()) {
                    return p;
                }
            }
        } catch (RuntimeException e) {
            logger.debug("cannot describe process {}: {}", t.tgid(), String.valueOf(e));
        }
        return null;
    }

    private List<ProcessInfo> ancestry(ProcessRecord p) {
        Query q = query.get();
        List<ProcessInfo> out = new ArrayList<>();
        try {
            if (q != null) {
                q.ancestry(p).forEach(a -> out.add(ProcessInfo.of(a)));
            }
        } catch (RuntimeException e) {
            logger.debug("cannot read the ancestry of process {}: {}", p.pid(), String.valueOf(e));
        }
        return out;
    }

    private void report(Finding f, ProcessInfo process, List<ProcessInfo> ancestry, String note) {
        logger.error("TAINTED: {}", note);
        f.view.put("note", note);
        EventPublisher pub = publisher.get();
        if (pub == null) {
            unpublished++;
            return;
        }
        if (host == null) {
            host = Event.HostOs.read();
        }
        pub.publish(new Event(UUID.randomUUID().toString(), Instant.now().toString(), note, METADATA,
                Event.Score.ofImportance("critical"), process, new Event.Background(ancestry),
                new Event.Scenarios(host)));
        published++;
    }

    /** Whether anything tampered with the daemon's eBPF state during this run. */
    synchronized boolean tainted() {
        return !records.isEmpty() || !findings.isEmpty() || callsTotal > 0 || recordsLost > 0;
    }

    @Override
    public synchronized Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("tainted", tainted());
        s.put("guard", state);
        s.put("guarded", new LinkedHashMap<>(guarded));
        s.put("frozen", List.copyOf(frozen));
        s.put("records_total", (long) records.size() + findings.size());
        s.put("calls_total", callsTotal);
        s.put("records_lost_total", recordsLost);
        s.put("notices_lost_total", noticesLost);
        s.put("unreadable_calls_total", unreadable);
        s.put("events_total", published);
        s.put("events_without_publisher_total", unpublished);
        List<Map<String, Object>> all = new ArrayList<>();
        records.values().forEach(f -> all.add(new LinkedHashMap<>(f.view)));
        findings.values().forEach(f -> all.add(new LinkedHashMap<>(f.view)));
        s.put("records", all.subList(Math.max(0, all.size() - STATUS_RECORDS), all.size()));
        return s;
    }

    /** Stops watching (before the objects close: the links must not look detached). Idempotent. */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            t.join(10_000);
        }
        synchronized (this) {
            if (ring != null) {
                ring.close();
                ring = null;
            }
        }
    }

    private static long key(int kind, int id) {
        return ((long) kind << 32) | (id & 0xffffffffL);
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }
}
