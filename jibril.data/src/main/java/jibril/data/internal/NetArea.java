package jibril.data.internal;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.layout.DnsAnswerLayout;
import jibril.bpf.layout.DnsAnswerLayout.DnsAnswer;
import jibril.bpf.layout.DnsMessage;
import jibril.bpf.layout.FlowLayout;
import jibril.bpf.layout.FlowLayout.Flow;
import jibril.bpf.layout.NetLayout;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.TaskFlowLayout;
import jibril.bpf.layout.TaskFlowLayout.TaskFlow;
import jibril.core.api.DomainRecord;
import jibril.core.api.FlowRecord;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;

/**
 * The network area of the data layer: flows per process from the kernel's flows and task_flow maps, and the DNS
 * answers the kernel copied, parsed here into names and the addresses they resolved to (so a flow's remote
 * address carries the names it was reached by). New pairs and new actions reach the listeners once (notice or
 * sweep, tracked by generation); DNS answers are deleted from the kernel map once parsed.
 */
final class NetArea {

    private static final int DOMAINS_KEPT = 65_536;

    private final BpfMap flows;
    private final BpfMap taskFlow;
    private final BpfMap dnsAnswers;
    private final BpfMap netCursors;
    private final BpfMap netSeq;
    private final TaskStore tasks;
    private final TaskStore.Clock clock;
    private final Generations pairs;
    private final byte[] flowKey = new byte[8];
    private final byte[] flowValue;
    private final byte[] pairValue;

    private final Map<String, Domain> domains = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Domain> eldest) {
            return size() > DOMAINS_KEPT;
        }
    });
    private final Map<InetAddress, Set<String>> namesByAddress = Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<InetAddress, Set<String>> eldest) {
                    return size() > DOMAINS_KEPT;
                }
            });
    final AtomicLong pairsReported = new AtomicLong();
    final AtomicLong flowsFromNotices = new AtomicLong();
    final AtomicLong pairsFoundBySweep = new AtomicLong();
    /** Sweeps that read every pair, and sweeps that did not need to (see {@link Generations#caughtUp}). */
    final AtomicLong walks = new AtomicLong();
    final AtomicLong walksSkipped = new AtomicLong();
    final AtomicLong dnsParsed = new AtomicLong();
    final AtomicLong dnsUnparsable = new AtomicLong();

    /** What the area keeps of a name. */
    private static final class Domain {
        final String name;
        final LinkedHashSet<String> cnames = new LinkedHashSet<>();
        final LinkedHashSet<String> addresses = new LinkedHashSet<>();
        long firstNs;
        long lastNs;

        Domain(String name) {
            this.name = name;
        }

        synchronized DomainRecord record() {
            return new DomainRecord(name, List.copyOf(cnames), List.copyOf(addresses), firstNs, lastNs);
        }
    }

    NetArea(BpfObject net, TaskStore tasks, TaskStore.Clock clock) {
        this.flows = net.map(NetLayout.MAP_FLOWS);
        this.taskFlow = net.map(NetLayout.MAP_TASK_FLOW);
        this.dnsAnswers = net.map(NetLayout.MAP_DNS_ANSWERS);
        this.netCursors = net.map(NetLayout.MAP_NET_CURSORS);
        this.netSeq = net.map(NetLayout.MAP_NET_SEQ);
        this.tasks = tasks;
        this.clock = clock;
        this.pairs = new Generations(DataLayer.readU64(netCursors, NetLayout.CURSOR_TASK_FLOW));
        this.copies = new CopyMerger<>(TaskFlow::gen, pairs, FileArea.MAX_PENDING);
        this.flowValue = new byte[flows.valueSize()];
        this.pairValue = new byte[taskFlow.valueSize()];
    }

    /** Whether the pair generation was reported (or skipped because nobody listens). */
    boolean reported(long gen) {
        return pairs.isHandled(gen);
    }

    boolean handles(int kind) {
        return kind == NoticeLayout.KIND_TASK_FLOW || kind == NoticeLayout.KIND_DNS;
    }

    private final Coalescer coalescer = new Coalescer();

    /**
     * A notice for this area, on the data layer's worker thread. As in {@link FileArea#onNotice}, notices of a
     * flow pair that an earlier read covers are skipped.
     */
    void onNotice(Notice n, Flow flow, TaskFlow copy, long index, long queuedBefore,
            BiConsumer<FlowRecord, List<String>> onFlow, Consumer<DomainRecord> onDomain) {
        if (n.kind() == NoticeLayout.KIND_TASK_FLOW && copy != null) {
            merge(n, flow, copy, onFlow);
        } else if (n.kind() == NoticeLayout.KIND_TASK_FLOW) {
            if (coalescer.coveredOrRead(n.key(), n.seq(), index, queuedBefore)) {
                claimNoticed(n.gen()); // reported with the earlier read, which saw it
                return;
            }
            byte[] key = TaskFlowLayout.Key.encode(n.key(), n.seq());
            TaskFlow tf = lookupPair(key);
            if (tf == null) {
                return;
            }
            boolean fresh = pairs.claim(tf.gen()); // the pair's own generation first: often the notice's
            claimNoticed(n.gen());
            if (fresh) {
                if (flow != null) {
                    // A new pair's notice carried the flow as it was then: no lookup of the flow.
                    flowsFromNotices.incrementAndGet();
                    reportWith(n.key(), flow, tf, onFlow);
                } else {
                    report(n.key(), n.seq(), tf, onFlow);
                }
            }
        } else if (n.kind() == NoticeLayout.KIND_DNS) {
            byte[] key = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(n.key()).array();
            byte[] v = dnsAnswers.lookup(key);
            if (v != null) {
                parseAnswer(key, DnsAnswer.decode(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder())), onDomain);
            }
        }
    }

    /** Pairs brought by notices with their copy and not yet reported, with the flow a new pair's notice carried. */
    private final CopyMerger<TaskFlow, Flow> copies;

    int pending() {
        return copies.size();
    }

    /** As FileArea's: the copies of a pair merge (actions only accumulate; the highest gen holds the others). */
    private void merge(Notice n, Flow flow, TaskFlow copy, BiConsumer<FlowRecord, List<String>> onFlow) {
        if (copies.merge(n.key(), n.seq(), copy, flow, n.gen())) {
            flush(onFlow);
        }
    }

    /** Reports every pending pair once with its newest copy; claims every generation its notices took. */
    void flush(BiConsumer<FlowRecord, List<String>> onFlow) {
        copies.flush((taskKey, flowKey, tf, flow) -> {
            if (flow != null) {
                flowsFromNotices.incrementAndGet(); // a new pair's notice: the flow as the pair was made
                reportWith(taskKey, flow, tf, onFlow);
            } else {
                report(taskKey, flowKey, tf, onFlow);
            }
        });
    }

    /** Reads every pair and DNS answer; reports what no notice brought; moves the cursor. */
    void sweep(BiConsumer<FlowRecord, List<String>> onFlow, Consumer<DomainRecord> onDomain) {
        sweep(onFlow, onDomain, true);
    }

    /**
     * As {@link #sweep(BiConsumer, Consumer)}; without {@code pairsWanted} (no listener wants flow observations) the
     * pairs are not read, only the cursor follows the kernel. DNS answers are always parsed: queries need them.
     */
    void sweep(BiConsumer<FlowRecord, List<String>> onFlow, Consumer<DomainRecord> onDomain, boolean pairsWanted) {
        if (!pairsWanted) {
            copies.clear(); // nobody listens: their generations are skipped with the rest
            pairs.skipTo(DataLayer.readU64(netSeq, 0));
            saveCursor();
            sweepDns(onDomain);
            return;
        }
        flush(onFlow);
        long global = DataLayer.readU64(netSeq, 0);
        if (pairs.caughtUp()) {
            // As in FileArea#sweep: every pair generation up to the previous sweep's came by notice (net_seq is the
            // pairs' own counter, so it has no holes a walk would have to explain); DNS answers are still read.
            walksSkipped.incrementAndGet();
            sweepDns(onDomain);
            pairs.sweepDone(global);
            saveCursor();
            return;
        }
        walks.incrementAndGet();
        record Pending(long taskKey, long flowKey, TaskFlow tf) {
        }
        List<Pending> unseen = new ArrayList<>();
        taskFlow.dump((k, v) -> {
            long gen = v.order(ByteOrder.nativeOrder()).getLong(v.position() + TaskFlowLayout.OFF_GEN);
            if (gen != 0 && !pairs.isHandled(gen)) {
                ByteBuffer kb = k.order(ByteOrder.nativeOrder());
                unseen.add(new Pending(TaskFlowLayout.Key.taskKey(kb), TaskFlowLayout.Key.flowKey(kb),
                        TaskFlow.decode(v)));
            }
        });
        // DNS answers after the walk and before reporting: an answer arrives before the connection it names, so
        // every pair this walk found has its answer parsed now, even when the answer's notice is still queued.
        sweepDns(onDomain);
        unseen.sort((a, b) -> Long.compare(a.tf().gen(), b.tf().gen()));
        for (Pending p : unseen) {
            if (pairs.claim(p.tf().gen())) {
                pairsFoundBySweep.incrementAndGet();
                report(p.taskKey(), p.flowKey(), p.tf(), onFlow);
            }
        }
        pairs.sweepDone(global);
        saveCursor();
    }

    private void sweepDns(Consumer<DomainRecord> onDomain) {
        List<byte[]> keys = new ArrayList<>();
        List<DnsAnswer> answers = new ArrayList<>();
        dnsAnswers.dump((k, v) -> {
            byte[] kk = new byte[k.remaining()];
            k.get(kk);
            keys.add(kk);
            answers.add(DnsAnswer.decode(v.order(ByteOrder.nativeOrder())));
        });
        for (int i = 0; i < keys.size(); i++) {
            parseAnswer(keys.get(i), answers.get(i), onDomain);
        }
    }

    private void parseAnswer(byte[] key, DnsAnswer answer, Consumer<DomainRecord> onDomain) {
        DnsMessage m = answer.message();
        dnsAnswers.delete(key);
        if (m.question().isEmpty() || m.addresses().isEmpty() && m.cnameChain().isEmpty()) {
            dnsUnparsable.incrementAndGet();
            return;
        }
        dnsParsed.incrementAndGet();
        String name = m.question().toLowerCase(Locale.ROOT);
        Domain d = domains.computeIfAbsent(name, Domain::new);
        long seenNs = clock.epoch(answer.lastNs());
        synchronized (d) {
            if (d.firstNs == 0) {
                d.firstNs = clock.epoch(answer.firstNs());
            }
            d.lastNs = Math.max(d.lastNs, seenNs);
            d.cnames.addAll(m.cnameChain());
            for (DnsMessage.Address a : m.addresses()) {
                d.addresses.add(a.address().getHostAddress());
                Set<String> names = namesByAddress.computeIfAbsent(a.address(), x -> new LinkedHashSet<>());
                synchronized (names) {
                    names.add(name);
                    names.addAll(m.cnameChain());
                }
            }
        }
        onDomain.accept(d.record());
    }

    private void claimNoticed(long gen) {
        if (gen != 0) {
            pairs.claim(gen);
        }
    }

    private void report(long taskKey, long flowKeyValue, TaskFlow tf, BiConsumer<FlowRecord, List<String>> onFlow) {
        Flow f = lookupFlow(flowKeyValue);
        if (f == null) {
            return;
        }
        reportWith(taskKey, f, tf, onFlow);
    }

    private void reportWith(long taskKey, Flow f, TaskFlow tf, BiConsumer<FlowRecord, List<String>> onFlow) {
        pairsReported.incrementAndGet();
        onFlow.accept(record(tasks.processAt(taskKey, tf.firstNs(), clock), f, tf), tf.actionNames());
    }

    private synchronized TaskFlow lookupPair(byte[] key) {
        return taskFlow.lookupInto(key, pairValue)
                ? TaskFlow.decode(ByteBuffer.wrap(pairValue).order(ByteOrder.nativeOrder())) : null;
    }

    private synchronized Flow lookupFlow(long key) {
        ByteBuffer.wrap(flowKey).order(ByteOrder.nativeOrder()).putLong(0, key);
        return flows.lookupInto(flowKey, flowValue)
                ? Flow.decode(ByteBuffer.wrap(flowValue).order(ByteOrder.nativeOrder())) : null;
    }

    FlowRecord record(ProcessRecord p, Flow f, TaskFlow tf) {
        List<String> names;
        Set<String> known = namesByAddress.get(f.remote());
        if (known == null) {
            names = List.of();
        } else {
            synchronized (known) {
                names = List.copyOf(known);
            }
        }
        return new FlowRecord(p, NetLayout.protocolName(f.proto()), f.family() == NetLayout.AF_INET6 ? 6 : 4,
                f.local().getHostAddress(), f.localPort(), f.remote().getHostAddress(), f.remotePort(), names,
                f.initiator(), f.proto() == NetLayout.PROTO_TCP ? NetLayout.tcpStateName(f.state()) : "",
                f.endedBy(), tf == null ? List.of() : tf.actionNames(), f.bytesIn(), f.bytesOut(), f.packetsIn(),
                f.packetsOut(), clock.epoch(tf == null ? f.firstNs() : tf.firstNs()),
                clock.epoch(Math.max(f.lastNs(), tf == null ? 0 : tf.lastNs())));
    }

    List<FlowRecord> flows(Query.Filter filter) {
        Map<Long, Flow> all = new HashMap<>();
        flows.dump((k, v) -> {
            Flow f = Flow.decode(v.order(ByteOrder.nativeOrder()));
            all.put(k.order(ByteOrder.nativeOrder()).getLong(0), f);
        });
        List<FlowRecord> out = new ArrayList<>();
        Set<Long> withProcess = new java.util.HashSet<>();
        List<long[]> pairKeys = new ArrayList<>();
        List<TaskFlow> pairValues = new ArrayList<>();
        taskFlow.dump((k, v) -> {
            ByteBuffer kb = k.order(ByteOrder.nativeOrder());
            pairKeys.add(new long[] { TaskFlowLayout.Key.taskKey(kb), TaskFlowLayout.Key.flowKey(kb) });
            pairValues.add(TaskFlow.decode(v.order(ByteOrder.nativeOrder())));
        });
        Map<Long, java.util.Optional<ProcessRecord>> processes = new HashMap<>();
        for (int i = 0; i < pairKeys.size(); i++) {
            Flow f = all.get(pairKeys.get(i)[1]);
            if (f == null) {
                continue;
            }
            withProcess.add(pairKeys.get(i)[1]);
            ProcessRecord p = processes.computeIfAbsent(pairKeys.get(i)[0], k -> java.util.Optional.ofNullable(
                    tasks.process(k, clock))).orElse(null);
            FlowRecord r = record(p, f, pairValues.get(i));
            if (matches(r, filter)) {
                out.add(r);
            }
        }
        if (filter.pid() == null && filter.exe() == null) {
            for (Map.Entry<Long, Flow> e : all.entrySet()) {
                if (!withProcess.contains(e.getKey())) {
                    FlowRecord r = record(null, e.getValue(), null);
                    if (matches(r, filter)) {
                        out.add(r);
                    }
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.firstNs(), b.firstNs()));
        return DataLayer.limit(out, filter.limit());
    }

    private static boolean matches(FlowRecord r, Query.Filter f) {
        ProcessRecord p = r.process();
        if (f.pid() != null && (p == null || p.pid() != f.pid())) {
            return false;
        }
        if (f.exe() != null && (p == null || !f.exe().matcher(p.exe()).find())) {
            return false;
        }
        if (f.port() != null && r.localPort() != f.port() && r.remotePort() != f.port()) {
            return false;
        }
        if (f.name() != null && r.remoteNames().stream().noneMatch(n -> f.name().matcher(n).find())) {
            return false;
        }
        return f.since() == null || r.lastNs() >= DataLayer.epochNanos(f.since());
    }

    List<DomainRecord> domains(Query.Filter filter) {
        List<DomainRecord> out = new ArrayList<>();
        List<Domain> all;
        synchronized (domains) {
            all = new ArrayList<>(domains.values());
        }
        for (Domain d : all) {
            DomainRecord r = d.record();
            if (filter.name() != null && !filter.name().matcher(r.name()).find()
                    && r.cnames().stream().noneMatch(n -> filter.name().matcher(n).find())) {
                continue;
            }
            if (filter.since() != null && r.lastNs() < DataLayer.epochNanos(filter.since())) {
                continue;
            }
            out.add(r);
        }
        out.sort((a, b) -> Long.compare(a.firstNs(), b.firstNs()));
        return DataLayer.limit(out, filter.limit());
    }

    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("flow_pairs_reported", pairsReported.get());
        s.put("flows_from_notices", flowsFromNotices.get());
        s.put("flow_pairs_from_copies", copies.pairsFromCopies.get());
        s.put("flow_copies_merged", copies.copiesMerged.get());
        s.put("flow_pairs_found_by_sweep", pairsFoundBySweep.get());
        s.put("flow_pairs_missed", pairs.missed());
        s.put("flow_cursor", pairs.cursor());
        s.put("flow_sweep_walks", walks.get());
        s.put("flow_sweep_walks_skipped", walksSkipped.get());
        s.put("dns_answers_parsed", dnsParsed.get());
        s.put("dns_answers_unparsable", dnsUnparsable.get());
        s.put("domains_known", domains.size());
        return s;
    }

    long cursor() {
        return pairs.cursor();
    }

    void saveCursor() {
        DataLayer.writeU64(netCursors, NetLayout.CURSOR_TASK_FLOW, pairs.cursor());
    }

    long global() {
        return DataLayer.readU64(netSeq, 0);
    }

    /** At a stop: the cursor as far as nothing unreported is skipped (see {@link Generations#settle}). */
    void settle(long global) {
        List<Long> present = new ArrayList<>();
        taskFlow.dump((k, v) -> present.add(v.order(ByteOrder.nativeOrder()).getLong(v.position() + TaskFlowLayout.OFF_GEN)));
        pairs.settle(global, present);
        saveCursor();
    }
}
