package jibril.attenuator.internal;

import java.io.IOException;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import jibril.core.api.Attenuator;
import jibril.core.api.Event;

/**
 * The attenuator of one set of {@link Settings}: asks the model (through {@link ChatClient}, on threads of its
 * own, at most {@code concurrency} at once) for the verdict of each detection and applies it per mode. It answers
 * within its budget whatever happens: without a verdict in time the event goes on as it was and the cause is
 * counted. Identical detections share one call and its verdict for the cache time ({@link VerdictCache}); an
 * endpoint that keeps failing is left alone for a while ({@link Breaker}).
 */
final class LlmAttenuator implements Attenuator, AutoCloseable {

    /** Requests waiting for a thread at most; beyond, detections go on unattenuated ({@code busy}). */
    static final int QUEUE = 1024;
    /** How often at most one cause of failure is logged. */
    static final long LOG_EVERY_MS = 60_000;

    private final Settings settings;
    private final Prompt prompt;
    private final ChatClient client;
    private final VerdictCache cache;
    private final Breaker breaker;
    private final WithheldLog withheldLog;
    private final Consumer<String> warn;
    private final ThreadPoolExecutor calls;
    private volatile boolean closed;

    private final AtomicLong detections = new AtomicLong();
    private final AtomicLong attenuated = new AtomicLong();
    private final AtomicLong falsePositives = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final AtomicLong coalesced = new AtomicLong();
    private final AtomicLong withheld = new AtomicLong();
    private final AtomicLong withheldWriteErrors = new AtomicLong();
    private final Map<ChatClient.Cause, AtomicLong> unattenuated = new EnumMap<>(ChatClient.Cause.class);
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    private volatile String lastError = "";

    LlmAttenuator(Settings settings, Consumer<String> warn) {
        this(settings, warn, Thread::sleep);
    }

    LlmAttenuator(Settings settings, Consumer<String> warn, ChatClient.Sleeper sleeper) {
        this.settings = settings;
        this.warn = warn;
        this.prompt = new Prompt(settings.redact());
        this.client = new ChatClient(settings, sleeper);
        this.cache = new VerdictCache(settings.cacheSize(), settings.cacheMs(), System::nanoTime);
        this.breaker = new Breaker(settings.breakerFailures(), settings.breakerMs(), System::nanoTime);
        this.withheldLog = new WithheldLog(settings.withheldFile());
        for (ChatClient.Cause c : ChatClient.Cause.values()) {
            unattenuated.put(c, new AtomicLong());
        }
        AtomicInteger n = new AtomicInteger();
        calls = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "jibril-attenuator-" + settings.name() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        calls.allowCoreThreadTimeOut(true);
    }

    Settings settings() {
        return settings;
    }

    /** The service properties to register this attenuator with. */
    Map<String, Object> serviceProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(Attenuator.NAME, settings.name());
        p.put(Attenuator.BUDGET_MS, settings.budgetMs());
        return p;
    }

    /**
     * What makes two detections identical for the cache: the recipe, the process image and its arguments, and
     * the file path or the peer.
     */
    static String key(Event e) {
        StringBuilder k = new StringBuilder();
        k.append(e.metadata() == null ? "" : e.metadata().kind() + "/" + e.metadata().name()).append('\0');
        if (e.process() != null) {
            k.append(e.process().exe()).append('\0').append(e.process().args());
        }
        k.append('\0');
        if (e.file() != null) {
            k.append("file ").append(e.file().file());
        } else if (e.flow() != null && e.flow().remote() != null) {
            Event.Node r = e.flow().remote();
            k.append("peer ").append(e.flow().proto()).append(' ').append(r.address()).append(' ').append(r.port())
                    .append(' ').append(r.name());
        }
        return k.toString();
    }

    @Override
    public Event attenuate(Event event) {
        long start = System.nanoTime();
        detections.incrementAndGet();
        // Answer a little before the dispatcher's own limit, so that a late verdict is our count, not a timeout there.
        long margin = Math.min(250, settings.budgetMs() / 5);
        long deadline = start + (settings.budgetMs() - margin) * 1_000_000;
        if (closed) {
            return unattenuated(event, ChatClient.Cause.BUSY, "the attenuator is stopping");
        }
        String key = key(event);
        VerdictCache.Lookup l = cache.lookup(key);
        if (l.owner()) {
            if (!breaker.allow()) {
                cache.complete(key, l.future(), null, new ChatClient.Failed(ChatClient.Cause.BREAKER_OPEN,
                        "the circuit breaker is open after repeated failures", false));
            } else {
                String body = prompt.request(settings, event).toString();
                try {
                    calls.execute(() -> call(key, l, body, deadline));
                } catch (RejectedExecutionException e) {
                    breaker.abandoned();
                    cache.complete(key, l.future(), null,
                            new ChatClient.Failed(ChatClient.Cause.BUSY, "too many detections waiting", false));
                }
            }
        } else if (l.done()) {
            cacheHits.incrementAndGet();
        } else {
            coalesced.incrementAndGet();
        }
        Verdict v;
        try {
            v = l.future().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return unattenuated(event, ChatClient.Cause.TIMEOUT, "no verdict within the budget of "
                    + settings.budgetMs() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unattenuated(event, ChatClient.Cause.TIMEOUT, "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ChatClient.Failed f) {
                return unattenuated(event, f.cause, f.getMessage());
            }
            return unattenuated(event, ChatClient.Cause.HTTP_ERROR, String.valueOf(e.getCause()));
        }
        attenuated.incrementAndGet();
        if (v.falsePositive()) {
            falsePositives.incrementAndGet();
        }
        Event out = v.apply(event, settings.name(), settings.mode() == Settings.Mode.REASON);
        if (settings.mode() == Settings.Mode.BLOCK && v.falsePositive() && v.confidence() >= settings.blockConfidence()) {
            try {
                withheldLog.append(out);
                withheld.incrementAndGet();
                return null;
            } catch (IOException | RuntimeException e) {
                withheldWriteErrors.incrementAndGet();
                log("withheld", "cannot keep a withheld event in " + withheldLog.file() + " ("
                        + e.getClass().getSimpleName() + "); it is printed instead");
                return out;
            }
        }
        return out;
    }

    private void call(String key, VerdictCache.Lookup l, String body, long deadline) {
        if (closed || System.nanoTime() - deadline >= 0) {
            breaker.abandoned();
            cache.complete(key, l.future(), null, new ChatClient.Failed(ChatClient.Cause.BUSY,
                    "no thread was free to ask within the budget", false));
            return;
        }
        try {
            Verdict answer = client.ask(body, deadline);
            // a model may echo what it was sent or what it guesses; the token must not reach an event
            Verdict v = new Verdict(answer.falsePositive(), answer.confidence(), answer.newSeverity(),
                    scrub(answer.interpretation()), scrub(answer.thinking()));
            breaker.success();
            cache.complete(key, l.future(), v, null);
        } catch (ChatClient.Failed f) {
            if (f.endpoint) {
                breaker.failure();
            } else {
                breaker.abandoned();
            }
            cache.complete(key, l.future(), null, f);
        } catch (InterruptedException e) {
            breaker.abandoned();
            cache.complete(key, l.future(), null, new ChatClient.Failed(ChatClient.Cause.TIMEOUT, "stopped", false));
        } catch (RuntimeException e) {
            breaker.failure();
            cache.complete(key, l.future(), null, new ChatClient.Failed(ChatClient.Cause.HTTP_ERROR,
                    e.getClass().getSimpleName(), true));
        }
    }

    private Event unattenuated(Event event, ChatClient.Cause cause, String detail) {
        unattenuated.get(cause).incrementAndGet();
        String msg = cause.key() + ": " + scrub(detail);
        lastError = msg;
        log(cause.key(), "detection " + (event.metadata() == null ? "" : event.metadata().name())
                + " goes on unattenuated: " + msg);
        return event;
    }

    private void log(String what, String message) {
        long now = System.currentTimeMillis();
        Long last = lastLogged.get(what);
        if (last == null || now - last >= LOG_EVERY_MS) {
            lastLogged.put(what, now);
            warn.accept("attenuator " + settings.name() + ": " + scrub(message) + " (logged once a minute per cause;"
                    + " counts in jibril:status, section attenuator)");
        }
    }

    /** Text with the token masked, should an endpoint or an exception ever echo it. */
    String scrub(String text) {
        String t = settings.token();
        return text == null ? "" : t.isEmpty() ? text : text.replace(t, "[token]");
    }

    /** Counters and state for {@code jibril:status}; never the token. */
    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("detections", detections.get());
        s.put("attenuated", attenuated.get());
        s.put("false_positives", falsePositives.get());
        s.put("withheld", withheld.get());
        s.put("withheld_write_errors", withheldWriteErrors.get());
        s.put("requests", client.requests.get());
        s.put("retries", client.retries.get());
        s.put("cache_hits", cacheHits.get());
        s.put("coalesced", coalesced.get());
        s.put("cache_size", cache.size());
        s.put("in_flight", calls.getActiveCount());
        s.put("queued", calls.getQueue().size());
        Map<String, Object> u = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<ChatClient.Cause, AtomicLong> e : unattenuated.entrySet()) {
            u.put(e.getKey().key(), e.getValue().get());
            total += e.getValue().get();
        }
        s.put("unattenuated", total);
        s.put("unattenuated_by_cause", u);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("state", breaker.state().name().toLowerCase(java.util.Locale.ROOT));
        b.put("opened", breaker.opened());
        s.put("breaker", b);
        s.put("last_error", lastError);
        return s;
    }

    /** Stops: calls in flight are abandoned (their detections go on unattenuated in their budget). */
    @Override
    public void close() {
        closed = true;
        calls.shutdownNow();
        client.close();
        cache.failAll(new ChatClient.Failed(ChatClient.Cause.BUSY, "the attenuator stopped", false));
    }
}
