package jibril.reactions.internal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.DetectionListener;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.Reaction;
import jibril.core.api.ReactionRunner;
import jibril.core.api.StatusSource;

/**
 * Runs the reactions of every detection: each reaction is queued (bounded; when full it is shed and counted, the
 * detection path never waits) and run on a small pool by the {@link ReactionRunner} registered for its format,
 * within the time limit. Every run becomes an event of kind {@code reaction} for the printers, and is counted in
 * the {@code reactions} status section.
 */
@Component(service = { DetectionListener.class, StatusSource.class }, configurationPid = Options.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = StatusSource.NAME + "=reactions")
public class ReactionService implements DetectionListener, StatusSource {

    /** Outcomes of a run, as events and the status report name them. */
    static final String OK = "ok";
    static final String FAILED = "failed";
    static final String TIMED_OUT = "timed_out";
    static final String REFUSED = "refused";

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    /**
     * Taken only when a run is reported, not when bound: the printers' publisher reaches the detection engine (a
     * printer) whose listeners include this component, and getting it at activation closes that circle.
     */
    @Reference(service = EventPublisher.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ComponentServiceObjects<EventPublisher> publisher;

    /** format → runners in arrival order; the first one runs. */
    private final Map<String, List<ReactionRunner>> runners = new ConcurrentHashMap<>();

    private final AtomicLong run = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong overflow = new AtomicLong();
    private final AtomicLong unpublished = new AtomicLong();
    private final AtomicLong totalMillis = new AtomicLong();
    private volatile long lastOverflowLog;
    private volatile String lastError = "";

    private Options options = Options.DEFAULTS;
    private ThreadPoolExecutor pool;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addRunner(ReactionRunner r, Map<String, Object> props) {
        String format = String.valueOf(props.getOrDefault(ReactionRunner.FORMAT, ""));
        runners.computeIfAbsent(format, f -> new CopyOnWriteArrayList<>()).add(r);
    }

    void removeRunner(ReactionRunner r, Map<String, Object> props) {
        String format = String.valueOf(props.getOrDefault(ReactionRunner.FORMAT, ""));
        List<ReactionRunner> l = runners.get(format);
        if (l != null) {
            l.remove(r);
        }
    }

    @Activate
    void activate(Map<String, Object> props) {
        options = options(props, logger);
        pool = new ThreadPoolExecutor(options.workers(), options.workers(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(options.queue()), r -> {
                    Thread t = new Thread(r, "jibril-reaction");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        int dropped = pool.shutdownNow().size();
        if (dropped > 0) {
            overflow.addAndGet(dropped);
            logger.warn("reactions: {} queued reaction(s) not run: stopping", dropped);
        }
        pool.awaitTermination(options.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /** The options of a configuration; a bad one is logged and the defaults apply. */
    static Options options(Map<String, Object> props, Logger logger) {
        try {
            return Options.of(props);
        } catch (IllegalArgumentException e) {
            if (logger != null) {
                logger.error("jibril:reactions: {} (the defaults apply)", e.getMessage());
            }
            return Options.DEFAULTS;
        }
    }

    /** The log of one reaction's helpers: the daemon log, prefixed with the recipe and the reaction. */
    static Helpers.Log reactionLog(Logger logger, Reaction r) {
        String prefix = "reaction " + r.recipe() + "[" + r.index() + "] (" + r.format() + "): ";
        return (level, msg) -> {
            switch (level) {
                case "error" -> logger.error(prefix + msg);
                case "warn" -> logger.warn(prefix + msg);
                default -> logger.info(prefix + msg);
            }
        };
    }

    @Override
    public void detected(Event event, List<Reaction> reactions) {
        for (Reaction r : reactions) {
            try {
                pool.execute(() -> runOne(r, event));
            } catch (RejectedExecutionException e) {
                overflow.incrementAndGet();
                long now = System.nanoTime();
                if (now - lastOverflowLog > TimeUnit.SECONDS.toNanos(10)) {
                    lastOverflowLog = now;
                    logger.warn("reactions: queue full ({} waiting), reactions are shed: {} so far",
                            options.queue(), overflow.get());
                }
            }
        }
    }

    private ReactionRunner runner(String format) {
        List<ReactionRunner> l = runners.get(format);
        return l == null || l.isEmpty() ? null : l.get(0);
    }

    void runOne(Reaction r, Event detection) {
        long start = System.nanoTime();
        String outcome;
        String output = "";
        String error = "";
        ReactionRunner runner = runner(r.format());
        if (runner == null) {
            outcome = REFUSED;
            error = "no runner for format " + r.format() + " (running: " + new TreeSet<>(runners.keySet()) + ")";
        } else {
            try {
                String out = runner.run(r, detection, options.timeout());
                output = out == null ? "" : out;
                outcome = OK;
            } catch (TimeoutException e) {
                outcome = TIMED_OUT;
                error = e.getMessage();
            } catch (SecurityException e) {
                outcome = REFUSED;
                error = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = FAILED;
                error = "interrupted: Jibril is stopping";
            } catch (Exception | LinkageError | OutOfMemoryError | StackOverflowError e) {
                outcome = FAILED;
                error = e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        run.incrementAndGet();
        totalMillis.addAndGet(ms);
        switch (outcome) {
            case OK -> ok.incrementAndGet();
            case TIMED_OUT -> timedOut.incrementAndGet();
            case REFUSED -> refused.incrementAndGet();
            default -> failed.incrementAndGet();
        }
        String where = "reaction " + r.recipe() + "[" + r.index() + "] (" + r.format() + ")";
        if (OK.equals(outcome)) {
            logger.debug("{}: ok in {} ms", where, ms);
        } else {
            lastError = where + ": " + outcome + ": " + error;
            logger.warn("{}: {} after {} ms: {}", where, outcome, ms, error);
        }
        ComponentServiceObjects<EventPublisher> cso = publisher;
        EventPublisher pub = cso == null ? null : cso.getService();
        if (pub == null) {
            unpublished.incrementAndGet();
            return;
        }
        try {
            pub.publish(event(r, detection, outcome, ms, error, output));
        } catch (RuntimeException e) {
            unpublished.incrementAndGet();
        } finally {
            try {
                cso.ungetService(pub);
            } catch (RuntimeException e) {
                // the publisher went away meanwhile
            }
        }
    }

    /**
     * The event of one run: metadata kind {@code reaction}, name the recipe, format the reaction's; the note is a
     * JSON object {@code {detection, recipe, index, format, outcome, duration_ms, error, output}}; process,
     * background and host are the detection's.
     */
    static Event event(Reaction r, Event detection, String outcome, long ms, String error, String output) {
        Map<String, Object> note = new LinkedHashMap<>();
        note.put("detection", detection.uuid());
        note.put("recipe", r.recipe());
        note.put("index", r.index());
        note.put("format", r.format());
        note.put("outcome", outcome);
        note.put("duration_ms", ms);
        note.put("error", error == null ? "" : error);
        note.put("output", output == null ? "" : output);
        String importance = OK.equals(outcome) ? "none" : "low";
        Event.Metadata dm = detection.metadata();
        Event.Metadata meta = new Event.Metadata("reaction", r.recipe(), r.format(), "1.0",
                "reaction " + r.index() + " of " + r.recipe() + ": " + outcome,
                dm == null ? "" : dm.tactic(), dm == null ? "" : dm.technique(), dm == null ? "" : dm.subtechnique(),
                importance, "docs/REACTIONS.md");
        return new Event(UUID.randomUUID().toString(), Instant.now().toString(), EventJson.of(note), meta,
                Event.Score.ofImportance(importance), detection.process(), detection.background(),
                detection.scenarios());
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run", run.get());
        s.put("ok", ok.get());
        s.put("failed", failed.get());
        s.put("timed_out", timedOut.get());
        s.put("refused", refused.get());
        s.put("overflow", overflow.get());
        s.put("unpublished", unpublished.get());
        ThreadPoolExecutor p = pool;
        s.put("queue_depth", p == null ? 0 : p.getQueue().size());
        s.put("running", p == null ? 0 : p.getActiveCount());
        s.put("queue_max", options.queue());
        s.put("workers", options.workers());
        s.put("timeout_ms", options.timeout().toMillis());
        long n = run.get();
        s.put("mean_ms", n == 0 ? 0 : totalMillis.get() / n);
        s.put("formats", List.copyOf(new TreeSet<>(runners.entrySet().stream()
                .filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList())));
        s.put("last_error", lastError);
        return s;
    }
}
