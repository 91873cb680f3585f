package jibril.detect.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.osgi.framework.Constants;

import jibril.core.api.Attenuator;
import jibril.core.api.DetectionListener;
import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.Reaction;

/**
 * The path of a detection after the engine assembled it (DESIGN §4): attenuators (if any, in ranking order, each
 * within its budget) → the printers → the detection listeners (reactions). The engine's thread only queues here.
 *
 * <p>Without attenuators a detection goes straight to delivery. With them, the chain runs on a small pool; each
 * call runs on a call thread and is waited for at most the attenuator's budget, so a slow, failing or hanging
 * attenuator costs its budget and no more: the event goes on as it was, and why is counted. When every chain
 * thread is busy the event is not held back: it is delivered unattenuated and counted as {@code busy}.
 *
 * <p>Delivery (printing, then the listeners) happens on one thread, so listeners see detections in the order
 * they were delivered. Its queue is bounded; when it is full the engine's thread delivers itself (it slows down,
 * nothing is lost).
 */
final class Dispatch {

    /** Chains of attenuation running at once; beyond it events go on unattenuated. */
    static final int CHAINS = 16;
    /** Detections waiting for delivery before the engine delivers them itself. */
    static final int DELIVERY_QUEUE = 16_384;

    private record Entry(Attenuator attenuator, String name, long budgetMs, int ranking, long serviceId) {
    }

    private record Pending(Event event, List<Reaction> reactions) {
    }

    private final Map<Attenuator, Entry> attenuators = new ConcurrentHashMap<>();
    private volatile List<Entry> chain = List.of();
    /** In the order they registered: each detection reaches them in that order. */
    private final Map<DetectionListener, String> listeners = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>());
    private final Supplier<EventPublisher> publisher;
    private final Consumer<String> warn;
    private final BlockingQueue<Pending> deliveries = new ArrayBlockingQueue<>(DELIVERY_QUEUE);
    private final ThreadPoolExecutor chains;
    private final ThreadPoolExecutor calls;
    private final Thread deliverer;
    private volatile boolean running = true;

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong unpublished = new AtomicLong();
    private final AtomicLong attenuated = new AtomicLong();
    private final AtomicLong withheld = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong busy = new AtomicLong();
    private final AtomicLong listenerErrors = new AtomicLong();
    private final AtomicLong deliveredByEngine = new AtomicLong();

    Dispatch(Supplier<EventPublisher> publisher, Consumer<String> warn) {
        this.publisher = publisher;
        this.warn = warn;
        AtomicInteger n = new AtomicInteger();
        chains = new ThreadPoolExecutor(CHAINS, CHAINS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(r, "jibril-attenuate-" + n.incrementAndGet()));
        chains.allowCoreThreadTimeOut(true);
        // One call thread per chain step at most; a call that ignores its budget keeps its thread until it returns.
        calls = new ThreadPoolExecutor(0, CHAINS * 2, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(r, "jibril-attenuator-call-" + n.incrementAndGet()));
        deliverer = daemon(this::deliverLoop, "jibril-detect-deliver");
    }

    /** Starts the delivery thread (from the engine's activation: a component never activated leaves no thread). */
    void start() {
        deliverer.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void addAttenuator(Attenuator a, Map<String, Object> props) {
        String name = String.valueOf(props.getOrDefault(Attenuator.NAME, a.getClass().getName()));
        long budget = Attenuator.DEFAULT_BUDGET_MS;
        Object b = props.get(Attenuator.BUDGET_MS);
        if (b != null) {
            try {
                budget = Math.max(1, Long.parseLong(String.valueOf(b).trim()));
            } catch (NumberFormatException e) {
                warn.accept("attenuator " + name + ": " + Attenuator.BUDGET_MS + "='" + b + "' is not a number; "
                        + "using " + budget + " ms");
            }
        }
        int ranking = props.get(Constants.SERVICE_RANKING) instanceof Integer i ? i : 0;
        long id = props.get(Constants.SERVICE_ID) instanceof Long l ? l : 0;
        attenuators.put(a, new Entry(a, name, budget, ranking, id));
        rechain();
    }

    void removeAttenuator(Attenuator a) {
        attenuators.remove(a);
        rechain();
    }

    private synchronized void rechain() {
        List<Entry> l = new ArrayList<>(attenuators.values());
        l.sort(Comparator.comparingInt(Entry::ranking).reversed().thenComparingLong(Entry::serviceId));
        chain = List.copyOf(l);
    }

    void addListener(DetectionListener l, Map<String, Object> props) {
        listeners.put(l, l.getClass().getName());
    }

    void removeListener(DetectionListener l) {
        listeners.remove(l);
    }

    /** On the engine's thread: hands a detection on; never waits for an attenuator. */
    void submit(Event event, List<Reaction> reactions) {
        List<Entry> c = chain;
        if (!c.isEmpty() && running) {
            try {
                chains.execute(() -> queueDelivery(attenuate(c, event), reactions));
                return;
            } catch (RejectedExecutionException e) {
                busy.incrementAndGet();
            }
        }
        queueDelivery(event, reactions);
    }

    private Event attenuate(List<Entry> c, Event event) {
        Event current = event;
        for (Entry e : c) {
            Event in = current;
            Future<Event> f;
            try {
                f = calls.submit(() -> e.attenuator().attenuate(in));
            } catch (RejectedExecutionException x) {
                busy.incrementAndGet();
                continue;
            }
            try {
                Event out = f.get(e.budgetMs(), TimeUnit.MILLISECONDS);
                if (out == null) {
                    withheld.incrementAndGet();
                    return null;
                }
                if (out != in) {
                    attenuated.incrementAndGet();
                }
                current = out;
            } catch (TimeoutException x) {
                f.cancel(true);
                timeouts.incrementAndGet();
            } catch (ExecutionException x) {
                failures.incrementAndGet();
                warnFailure(e.name(), x.getCause());
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return current;
    }

    private volatile long lastFailureWarnMs;

    /** An attenuator's exception, logged at most once a minute (each one is counted). */
    private void warnFailure(String name, Throwable cause) {
        long now = System.currentTimeMillis();
        if (now - lastFailureWarnMs >= 60_000) {
            lastFailureWarnMs = now;
            warn.accept("attenuator " + name + " failed (the event went on unattenuated; further failures this minute "
                    + "are only counted): " + cause);
        }
    }

    private void queueDelivery(Event event, List<Reaction> reactions) {
        if (event == null) {
            return; // withheld by an attenuator, which keeps it
        }
        Pending p = new Pending(event, reactions);
        if (!running || !deliveries.offer(p)) {
            deliveredByEngine.incrementAndGet();
            deliver(p);
        }
    }

    private void deliverLoop() {
        while (running || !deliveries.isEmpty()) {
            try {
                Pending p = deliveries.poll(200, TimeUnit.MILLISECONDS);
                if (p != null) {
                    deliver(p);
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
            }
        }
    }

    private void deliver(Pending p) {
        EventPublisher pub = publisher.get();
        if (pub == null) {
            unpublished.incrementAndGet();
        } else {
            pub.publish(p.event());
        }
        delivered.incrementAndGet();
        List<DetectionListener> ls;
        synchronized (listeners) {
            ls = List.copyOf(listeners.keySet());
        }
        for (DetectionListener l : ls) {
            try {
                l.detected(p.event(), p.reactions());
            } catch (RuntimeException e) {
                listenerErrors.incrementAndGet();
                warn.accept("detection listener " + listeners.get(l) + " failed: " + e);
            }
        }
    }

    /** Stops: what is queued is still delivered (up to a few seconds); attenuation still running is waited for. */
    void close() throws InterruptedException {
        chains.shutdown();
        chains.awaitTermination(Math.min(chainBudget(), 15_000), TimeUnit.MILLISECONDS);
        running = false;
        deliverer.join(5_000);
        Pending p;
        while ((p = deliveries.poll()) != null) {
            deliver(p);
        }
        calls.shutdownNow();
    }

    private long chainBudget() {
        return chain.stream().mapToLong(Entry::budgetMs).sum();
    }

    long unpublished() {
        return unpublished.get();
    }

    Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("delivered", delivered.get());
        s.put("delivered_by_engine_thread", deliveredByEngine.get());
        s.put("delivery_queue", deliveries.size());
        s.put("listeners", listeners.size());
        s.put("listener_errors", listenerErrors.get());
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("chain", chain.stream().map(e -> e.name() + " (budget " + e.budgetMs() + " ms)").toList());
        a.put("in_progress", chains.getActiveCount());
        a.put("attenuated", attenuated.get());
        a.put("withheld", withheld.get());
        a.put("timeouts", timeouts.get());
        a.put("failures", failures.get());
        a.put("busy_passed_unattenuated", busy.get());
        s.put("attenuation", a);
        return s;
    }
}
