package jibril.core.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfObject;
import jibril.bpf.BpfRuntime;
import jibril.bpf.RingBuffer;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.ProcessInfo;
import jibril.core.api.StatusSource;

/**
 * Publishes one {@code exec} event per program execution on the host. The facts come from the tasks map; the
 * notice ring buffer only says which key is new. Every sweep reads the whole map and reports any exec whose
 * generation ({@code exec_seq}) is above the cursor, so execs whose notice was lost are still reported, once.
 * The cursor lives in the pinned {@code cursors} map, so a restarted daemon reports what happened while it was
 * down and nothing twice.
 */
@Component(immediate = true, configurationPid = ExecEvents.EVENTS_PID, service = StatusSource.class,
        property = StatusSource.NAME + "=exec")
@Designate(ocd = ExecEvents.Config.class)
public class ExecEvents implements StatusSource {

    static final String EVENTS_PID = "jibril.events";
    static final String EVENT_NAME = "exec";

    @ObjectClassDefinition(name = "Jibril events")
    @interface Config {
        @AttributeDefinition(description = "Enabled events as extension:plugin:event; exec events are printed "
                + "when an entry ends with ':exec'. Unset: enabled.")
        String[] enabled() default { "jibril:core:exec" };

        @AttributeDefinition(description = "Seconds between sweeps of the tasks map")
        int sweep_seconds() default 2;
    }

    private static final Event.Metadata METADATA = new Event.Metadata("execution", EVENT_NAME, EVENT_NAME, "1.0",
            "A program was executed", "", "", "", "none", "");
    private static final int CURSOR_EXEC = 0;

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference(target = "(" + EbpfCore.OBJECT + "=tasks)")
    private BpfObject object;

    @Reference
    private BpfRuntime runtime;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile EventPublisher publisher;

    private final BlockingQueue<Notice> notices = new ArrayBlockingQueue<>(65_536);
    private final AtomicLong noticesSeen = new AtomicLong();
    private final AtomicLong noticesDropped = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong unpublished = new AtomicLong();
    private final AtomicLong foundBySweep = new AtomicLong();
    private final AtomicLong missed = new AtomicLong();
    private final AtomicLong sweeps = new AtomicLong();

    /** Seqs above the cursor already reported; the cursor advances over contiguous ones. */
    private final TreeSet<Long> handledAbove = new TreeSet<>();
    private long cursor;

    private volatile boolean enabled;
    private volatile long sweepMillis;
    private volatile boolean running = true;
    private RingBuffer ring;
    private ProcessReader reader;
    private BpfMap cursors;
    private BpfMap seqMap;
    private Thread poller;
    private Thread worker;
    private volatile Event.HostOs host;
    private volatile long hostReadAt;

    @Activate
    void activate(Config config) {
        modified(config);
        reader = new ProcessReader(object.map("tasks"), object.map("strings"));
        cursors = object.map("cursors");
        seqMap = object.map("exec_seq");
        cursor = readU64(cursors, CURSOR_EXEC);
        ring = runtime.ringBuffer(object.map("notices"), this::onNotice);
        poller = new Thread(this::poll, "jibril-exec-notices");
        worker = new Thread(this::work, "jibril-exec-events");
        poller.start();
        worker.start();
    }

    @Modified
    void modified(Config config) {
        enabled = Arrays.stream(config.enabled()).anyMatch(e -> e.equals(EVENT_NAME) || e.endsWith(":" + EVENT_NAME));
        sweepMillis = Math.max(100, config.sweep_seconds() * 1000L);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        poller.join(2_000);
        worker.interrupt();
        worker.join(5_000);
        ring.close();
        synchronized (handledAbove) {
            writeU64(cursors, CURSOR_EXEC, cursor);
        }
    }

    /** Ring buffer callback, on the poller thread: only queue the key. */
    private void onNotice(ByteBuffer record) {
        Notice n = NoticeLayout.decode(record);
        noticesSeen.incrementAndGet();
        if (n.kind() == NoticeLayout.KIND_EXEC && !notices.offer(n)) {
            noticesDropped.incrementAndGet(); // the next sweep finds it
        }
    }

    private void poll() {
        while (running) {
            try {
                ring.poll(100);
            } catch (BpfException e) {
                logger.error("reading notices failed; sweeps continue", e);
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
                    sweep();
                    nextSweep = now + sweepMillis;
                }
                Notice n = notices.poll(Math.max(1, nextSweep - now), TimeUnit.MILLISECONDS);
                if (n != null) {
                    Task t = reader.task(n.key());
                    if (t == null) {
                        continue;
                    }
                    if (t.execSeq() != n.seq()) {
                        // Re-executed since: the sweep or a later notice reports the newer image.
                        continue;
                    }
                    report(t, false);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                logger.error("exec event assembly failed", e);
            }
        }
    }

    /** Reports every exec above the cursor that no notice brought, then moves the cursor past the sweep. */
    private void sweep() {
        long global = readU64(seqMap, 0);
        java.util.List<Task> unseen = new java.util.ArrayList<>();
        long below;
        synchronized (handledAbove) {
            below = cursor;
        }
        object.map("tasks").dump((k, v) -> {
            Task t = TaskLayout.decode(v.order(ByteOrder.nativeOrder()));
            if (t.execSeq() > below && !isHandled(t.execSeq())) {
                unseen.add(t);
            }
        });
        unseen.sort((a, b) -> Long.compare(a.execSeq(), b.execSeq()));
        for (Task t : unseen) {
            report(t, true);
        }
        synchronized (handledAbove) {
            if (global > cursor) {
                // Every seq up to global is now either reported (in the set) or gone: its entry was overwritten by
                // a later exec of the same process before anyone read it, or never stored (tasks map full).
                long reported = handledAbove.headSet(global, true).size();
                missed.addAndGet(Math.max(0, (global - cursor) - reported));
                handledAbove.headSet(global, true).clear();
                cursor = global;
            }
            writeU64(cursors, CURSOR_EXEC, cursor);
        }
        sweeps.incrementAndGet();
    }

    private boolean isHandled(long seq) {
        synchronized (handledAbove) {
            return seq <= cursor || handledAbove.contains(seq);
        }
    }

    private void report(Task t, boolean bySweep) {
        synchronized (handledAbove) {
            if (t.execSeq() <= cursor || !handledAbove.add(t.execSeq())) {
                return;
            }
            while (handledAbove.remove(cursor + 1)) {
                cursor++;
            }
        }
        if (bySweep) {
            foundBySweep.incrementAndGet();
        }
        if ((t.flags() & TaskLayout.FLAG_EXECED) == 0 || !enabled) {
            return;
        }
        EventPublisher p = publisher;
        if (p == null) {
            unpublished.incrementAndGet();
            return;
        }
        long boot = ProcessReader.bootNanos();
        long wall = ProcessReader.wallNanos();
        ProcessInfo process = reader.describe(t, boot, wall);
        Event event = new Event(UUID.randomUUID().toString(), ProcessReader.rfc3339(wall), "", METADATA,
                Event.Score.ofImportance("none"), process,
                new Event.Background(reader.ancestry(t, boot, wall)), new Event.Scenarios(host()));
        p.publish(event);
        published.incrementAndGet();
    }

    private Event.HostOs host() {
        long now = System.currentTimeMillis();
        if (host == null || now - hostReadAt > 60_000) {
            host = HostFacts.read();
            hostReadAt = now;
        }
        return host;
    }

    private static long readU64(BpfMap map, int index) {
        byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
        byte[] v = map.lookup(k);
        return v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    private static void writeU64(BpfMap map, int index, long value) {
        byte[] k = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
        byte[] v = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(value).array();
        map.update(k, v, jibril.bpf.UpdateFlag.ANY);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("enabled", enabled);
        s.put("notices_seen", noticesSeen.get());
        s.put("notices_dropped_in_userland", noticesDropped.get());
        s.put("events_published", published.get());
        s.put("events_without_publisher", unpublished.get());
        s.put("execs_found_by_sweep", foundBySweep.get());
        s.put("execs_missed", missed.get());
        s.put("sweeps", sweeps.get());
        synchronized (handledAbove) {
            s.put("cursor", cursor);
        }
        return s;
    }
}
