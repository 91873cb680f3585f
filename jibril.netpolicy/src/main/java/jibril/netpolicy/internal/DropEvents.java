package jibril.netpolicy.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import org.osgi.service.log.Logger;

import jibril.bpf.layout.NetPolicyLayout;
import jibril.core.api.DomainRecord;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.ProcessInfo;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;

/**
 * Turns the kernel's drop notices into {@code dropip} events and denied answers into {@code dropdomain} events,
 * at most one per process and peer (or per name) in the rate window; what the window held back is counted.
 */
final class DropEvents {

    static final int MAX_QUEUED = 10_000;
    private static final Event.Metadata DROPIP = new Event.Metadata("dropip", "dropip", "netpolicy", "1.0",
            "Traffic to a network the network policy denies", "command_and_control", "", "", "medium", "");
    private static final Event.Metadata DROPDOMAIN = new Event.Metadata("dropdomain", "dropdomain", "netpolicy",
            "1.0", "A name the network policy denies was resolved", "command_and_control", "", "", "medium", "");

    private final Supplier<EventPublisher> publisher;
    private final Supplier<Query> query;
    private final Logger logger;
    private final ConcurrentLinkedQueue<NetPolicyLayout.Drop> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Map<String, Long> last = new ConcurrentHashMap<>();
    private final AtomicLong notices = new AtomicLong();
    private final AtomicLong overflow = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong limited = new AtomicLong();
    private final AtomicLong unpublished = new AtomicLong();
    private volatile Event.HostOs host;

    DropEvents(Supplier<EventPublisher> publisher, Supplier<Query> query, Logger logger) {
        this.publisher = publisher;
        this.query = query;
        this.logger = logger;
    }

    /** A notice from the ring (on the reader thread). */
    void notice(NetPolicyLayout.Drop d) {
        notices.incrementAndGet();
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            overflow.incrementAndGet();
            return;
        }
        queue.add(d);
    }

    /** Publishes the queued notices, one event per process and peer in each {@code rateMs}. */
    void flush(IntFunction<String> rule, Function<byte[], Set<String>> learntNames, long rateMs) {
        NetPolicyLayout.Drop d;
        while ((d = queue.poll()) != null) {
            queued.decrementAndGet();
            String peer = Cidr.format(d.raddr());
            if (!admit(d.tgid() + "|" + peer, rateMs)) {
                continue;
            }
            try {
                if (d.hook() == NetPolicyLayout.HOOK_RESOLVE) {
                    publish(answerDropped(d, peer, rule.apply(d.rule())));
                    continue;
                }
                publish(build(d, peer, rule.apply(d.rule()), learntNames.apply(d.raddr())));
            } catch (RuntimeException e) {
                logger.warn("dropip event for {} not built: {}", peer, String.valueOf(e));
            }
        }
        if (last.size() > 100_000) {
            long now = System.currentTimeMillis();
            last.values().removeIf(t -> now - t > rateMs);
        }
    }

    private boolean admit(String key, long rateMs) {
        long now = System.currentTimeMillis();
        Long prev = last.get(key);
        if (prev != null && now - prev < rateMs) {
            limited.incrementAndGet();
            return false;
        }
        last.put(key, now);
        return true;
    }

    private void publish(Event e) {
        EventPublisher p = publisher.get();
        if (p == null) {
            unpublished.incrementAndGet();
            return;
        }
        p.publish(e);
        published.incrementAndGet();
    }

    Event build(NetPolicyLayout.Drop d, String peer, String rule, Set<String> learnt) {
        Set<String> names = new LinkedHashSet<>(learnt);
        Query q = query.get();
        ProcessInfo process = null;
        List<ProcessInfo> ancestry = new ArrayList<>();
        if (q != null) {
            try {
                for (var r : q.domains(Query.Filter.ALL)) {
                    if (r.addresses().contains(peer)) {
                        names.add(r.name());
                        names.addAll(r.cnames());
                    }
                }
                if (d.tgid() > 0) {
                    List<ProcessRecord> ps = q.processes(new Query.Filter((long) d.tgid(), null, null, null, null,
                            null, 0));
                    if (!ps.isEmpty()) {
                        ProcessRecord p = ps.get(ps.size() - 1);
                        process = ProcessInfo.of(p);
                        q.ancestry(p).forEach(a -> ancestry.add(ProcessInfo.of(a)));
                    }
                }
            } catch (RuntimeException e) {
                logger.debug("dropip: the data layer did not answer: {}", String.valueOf(e));
            }
        }
        if (process == null) {
            process = new ProcessInfo("", "", 0, d.uid() & 0xffffffffL, d.tgid(), 0, d.comm(), "", "", "");
        }
        String proto = switch (d.proto()) {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 1, 58 -> "icmp";
            default -> "";
        };
        List<String> nameList = List.copyOf(names);
        String action = switch (d.hook()) {
            case NetPolicyLayout.HOOK_CONNECT -> "connect";
            case NetPolicyLayout.HOOK_SENDMSG -> "send";
            default -> "send";
        };
        Map<String, Boolean> flags = new LinkedHashMap<>();
        flags.put("egress", true);
        flags.put("outgoing", true);
        flags.put("started", d.hook() != NetPolicyLayout.HOOK_EGRESS);
        flags.put("ongoing", d.hook() == NetPolicyLayout.HOOK_EGRESS);
        flags.put("blocked", d.blocked());
        String now = Instant.now().toString();
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("first", now);
        phase.put("last", now);
        Event.FlowInfo flow = new Event.FlowInfo(d.family(), proto, new Event.Node("", "", List.of(), 0),
                new Event.Node(peer, nameList.isEmpty() ? "" : nameList.get(0), nameList, d.rport()), d.rport(),
                List.of(action), flags, phase);
        String where = (d.family() == 6 ? "[" + peer + "]" : peer) + (d.rport() > 0 ? ":" + d.rport() : "")
                + (proto.isEmpty() ? "" : "/" + proto);
        String note = (d.blocked() ? "refused " : "alert: allowed ") + action + " to " + where
                + (nameList.isEmpty() ? "" : " (" + String.join(", ", nameList) + ")") + ": denied by " + rule;
        return new Event(UUID.randomUUID().toString(), now, note, DROPIP, Event.Score.ofImportance("medium"), process,
                new Event.Background(ancestry), new Event.Scenarios(host()), null, flow, null);
    }

    /** The kernel dropped a DNS answer for a denied name (resolve_mode both). */
    Event answerDropped(NetPolicyLayout.Drop d, String server, String rule) {
        String now = Instant.now().toString();
        ProcessInfo nobody = new ProcessInfo("", "", 0, d.uid() & 0xffffffffL, 0, 0, "", "", "", "");
        Event.FlowInfo flow = new Event.FlowInfo(d.family(), "udp", new Event.Node("", "", List.of(), 0),
                new Event.Node(server, "", List.of(), 53), 53, List.of("recv"),
                Map.of("ingress", true, "blocked", true), Map.of("first", now, "last", now));
        String note = "dropped a DNS answer from " + (d.family() == 6 ? "[" + server + "]" : server)
                + ":53: its question is denied by " + rule;
        return new Event(UUID.randomUUID().toString(), now, note, DROPDOMAIN, Event.Score.ofImportance("medium"),
                nobody, new Event.Background(List.of()), new Event.Scenarios(host()), null, flow, null);
    }

    /** A denied name was resolved (rate limited per name). */
    void dropDomain(DomainRecord d, String rule, boolean blocked, long rateMs) {
        if (!admit("domain|" + d.name(), rateMs)) {
            return;
        }
        List<String> names = new ArrayList<>();
        names.add(d.name());
        names.addAll(d.cnames());
        String now = Instant.now().toString();
        String note = d.name() + (d.cnames().isEmpty() ? "" : " (via " + String.join(" -> ", d.cnames()) + ")")
                + " resolved to " + String.join(", ", d.addresses()) + ": denied by domain rule " + rule + "; "
                + (blocked ? "its addresses are blocked" : "its addresses are alerted on");
        ProcessInfo nobody = new ProcessInfo("", "", 0, 0, 0, 0, "", "", "", "");
        Event.FlowInfo flow = new Event.FlowInfo(0, "udp", new Event.Node("", "", List.of(), 0),
                new Event.Node(d.addresses().isEmpty() ? "" : d.addresses().get(0), d.name(), names, 0), 53,
                List.of("recv"), Map.of("ingress", true), Map.of());
        publish(new Event(UUID.randomUUID().toString(), now, note, DROPDOMAIN, Event.Score.ofImportance("medium"),
                nobody, new Event.Background(List.of()), new Event.Scenarios(host()), null, flow, null));
    }

    private Event.HostOs host() {
        Event.HostOs h = host;
        if (h == null) {
            h = Event.HostOs.read();
            host = h;
        }
        return h;
    }

    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("notices", notices.get());
        s.put("queue_overflow", overflow.get());
        s.put("published", published.get());
        s.put("rate_limited", limited.get());
        s.put("without_publisher", unpublished.get());
        return s;
    }
}
