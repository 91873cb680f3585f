package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Constants;

import jibril.core.api.Attenuator;
import jibril.core.api.DetectionListener;
import jibril.core.api.Event;
import jibril.core.api.ProcessInfo;
import jibril.core.api.Reaction;

/** The path after detection: attenuators in ranking order within their budgets, then printers, then listeners. */
class DispatchTest {

    private final BlockingQueue<Event> printed = new LinkedBlockingQueue<>();
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final Dispatch dispatch = new Dispatch(() -> printed::add, warnings::add);
    private long nextServiceId = 1;

    @org.junit.jupiter.api.BeforeEach
    void start() {
        dispatch.start();
    }

    @AfterEach
    void close() throws InterruptedException {
        dispatch.close();
    }

    static Event event(String note) {
        return new Event("u-" + note, "2026-11-25T00:00:00Z", note,
                new Event.Metadata("file_access", "r", "file_access", "1", "", "", "", "", "high", ""),
                Event.Score.ofImportance("high"), new ProcessInfo("", "", 0, 0, 1, 0, "c", "c", "/bin/c", ""),
                new Event.Background(List.of()), new Event.Scenarios(null));
    }

    private Map<String, Object> props(String name, Object budget, int ranking) {
        return budget == null
                ? Map.of(Attenuator.NAME, name, Constants.SERVICE_RANKING, ranking, Constants.SERVICE_ID, nextServiceId++)
                : Map.of(Attenuator.NAME, name, Attenuator.BUDGET_MS, budget, Constants.SERVICE_RANKING, ranking,
                        Constants.SERVICE_ID, nextServiceId++);
    }

    /** An attenuator that appends its name to the note. */
    private static Attenuator appending(String name) {
        return e -> new Event(e.uuid(), e.timestamp(), e.note() + ">" + name, e.metadata(), e.score(), e.process(),
                e.background(), e.scenarios(), e.file(), e.flow(), Map.of("attenuated_by", name));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> attenuation() {
        return (Map<String, Object>) dispatch.status().get("attenuation");
    }

    @Test
    void withoutAttenuatorsEventsGoStraightToThePrinters() throws Exception {
        Event e = event("plain");
        dispatch.submit(e, List.of());
        assertSame(e, printed.poll(5, TimeUnit.SECONDS));
        assertEquals(0L, attenuation().get("attenuated"));
    }

    @Test
    void chainRunsInRankingOrderHighestFirstThenByServiceId() throws Exception {
        dispatch.addAttenuator(appending("low"), props("low", null, -1));
        dispatch.addAttenuator(appending("high"), props("high", null, 10));
        dispatch.addAttenuator(appending("mid-a"), props("mid-a", null, 5));
        dispatch.addAttenuator(appending("mid-b"), props("mid-b", null, 5));
        dispatch.submit(event("e"), List.of());
        Event out = printed.poll(5, TimeUnit.SECONDS);
        assertNotNull(out);
        assertEquals("e>high>mid-a>mid-b>low", out.note());
        assertEquals(Map.of("attenuated_by", "low"), out.attenuator(), "the last in the chain has the last word");
        assertEquals(4L, attenuation().get("attenuated"));
        assertEquals(List.of("high (budget 10000 ms)", "mid-a (budget 10000 ms)", "mid-b (budget 10000 ms)",
                "low (budget 10000 ms)"), attenuation().get("chain"));
    }

    @Test
    void removedAttenuatorLeavesTheChain() throws Exception {
        Attenuator a = appending("a");
        dispatch.addAttenuator(a, props("a", null, 0));
        dispatch.addAttenuator(appending("b"), props("b", null, 0));
        dispatch.removeAttenuator(a);
        dispatch.submit(event("e"), List.of());
        assertEquals("e>b", printed.poll(5, TimeUnit.SECONDS).note());
    }

    @Test
    void slowAttenuatorCostsItsBudgetAndTheEventGoesOnUnattenuated() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        dispatch.addAttenuator(e -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException x) {
                interrupted.countDown();
                throw x;
            }
            return e.withAttenuator(Map.of("late", true));
        }, props("slow", "300", 0));
        dispatch.addAttenuator(appending("next"), props("next", null, -1));
        Event e = event("e");
        long t0 = System.nanoTime();
        dispatch.submit(e, List.of());
        Event out = printed.poll(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertNotNull(out);
        assertTrue(ms >= 250 && ms < 2_000, "delivered after " + ms + " ms with a 300 ms budget");
        assertEquals("e>next", out.note(), "the slow one's verdict is not used; the next one still runs");
        assertEquals(1L, attenuation().get("timeouts"));
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the late call is cancelled");
    }

    @Test
    void budgetIsReadFromANumberOrText() throws Exception {
        dispatch.addAttenuator(e -> e, props("num", 1234L, 0));
        dispatch.addAttenuator(e -> e, props("bad", "soon", -1));
        assertEquals(List.of("num (budget 1234 ms)", "bad (budget 10000 ms)"), attenuation().get("chain"));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("soon"), warnings.toString());
    }

    @Test
    void failingAttenuatorIsCountedAndTheEventGoesOnAsItWas() throws Exception {
        dispatch.addAttenuator(e -> {
            throw new IllegalStateException("model unreachable");
        }, props("failing", null, 0));
        Event e = event("e");
        dispatch.submit(e, List.of());
        assertSame(e, printed.poll(5, TimeUnit.SECONDS));
        assertEquals(1L, attenuation().get("failures"));
        assertEquals(0L, attenuation().get("attenuated"));
    }

    @Test
    void nullWithholdsTheEventFromPrintersAndListeners() throws Exception {
        AtomicInteger heard = new AtomicInteger();
        AtomicInteger laterCalls = new AtomicInteger();
        dispatch.addListener((ev, r) -> heard.incrementAndGet(), Map.of());
        dispatch.addAttenuator(e -> e.note().equals("drop") ? null : e, props("blocker", null, 10));
        dispatch.addAttenuator(e -> {
            laterCalls.incrementAndGet();
            return e;
        }, props("later", null, 0));
        dispatch.submit(event("drop"), List.of());
        dispatch.submit(event("keep"), List.of());
        Event out = printed.poll(5, TimeUnit.SECONDS);
        assertEquals("keep", out.note());
        assertNull(printed.poll(300, TimeUnit.MILLISECONDS));
        assertEquals(1L, attenuation().get("withheld"));
        assertEquals(1, laterCalls.get(), "the chain stops at the attenuator that withheld");
        long deadline = System.currentTimeMillis() + 5_000;
        while (heard.get() < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(100);
        assertEquals(1, heard.get(), "listeners hear only what was printed");
    }

    @Test
    void listenersHearEachDetectionAfterThePrintersInDeliveryOrder() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<Reaction> reactions = List.of(new Reaction("r", 0, "js", "function process(d){}"));
        CountDownLatch all = new CountDownLatch(500);
        // Listeners are told in registration order: the failing one first, so that the one after it proves it
        // still hears every detection.
        DetectionListener failing = (ev, r) -> {
            throw new IllegalStateException("listener bug");
        };
        dispatch.addListener(failing, Map.of());
        dispatch.addListener(new DetectionListener() {
            @Override
            public void detected(Event ev, List<Reaction> r) {
                if (!printed.contains(ev)) {
                    problems.add(ev.note() + " heard before it was printed");
                }
                if (r != reactions) {
                    problems.add(ev.note() + " came without its reactions");
                }
                seen.add(ev.note());
                all.countDown();
            }
        }, Map.of());
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            sent.add("n" + i);
            dispatch.submit(event("n" + i), reactions);
        }
        assertTrue(all.await(10, TimeUnit.SECONDS));
        assertEquals(sent, seen, "one delivery thread: listeners see the order of delivery");
        assertEquals(List.of(), problems);
        @SuppressWarnings("unchecked")
        long errors = (Long) dispatch.status().get("listener_errors");
        assertEquals(500L, errors, "a failing listener is counted and does not stop the others");
        dispatch.removeListener(failing);
        assertEquals(1, dispatch.status().get("listeners"));
    }

    @Test
    void closeDeliversWhatIsStillAttenuating() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        dispatch.addAttenuator(e -> {
            started.countDown();
            Thread.sleep(300);
            return e.withAttenuator(Map.of("ok", true));
        }, props("steady", "5000", 0));
        dispatch.submit(event("e"), List.of());
        assertTrue(started.await(5, TimeUnit.SECONDS));
        dispatch.close();
        Event out = printed.poll();
        assertNotNull(out, "an event in attenuation at close is still printed");
        assertEquals(Map.of("ok", true), out.attenuator());
    }

    @Test
    void withoutPublisherDetectionsAreCounted() throws Exception {
        Dispatch d = new Dispatch(() -> null, warnings::add);
        d.start();
        try {
            d.submit(event("e"), List.of());
            long deadline = System.currentTimeMillis() + 5_000;
            while (d.unpublished() < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, d.unpublished());
        } finally {
            d.close();
        }
    }
}
