package jibril.reactions.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentServiceObjects;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.Reaction;
import jibril.core.api.ReactionRunner;

/** The dispatcher: runners by format, outcomes, reaction events, the bounded queue and its counted overflow. */
class ReactionServiceTest {

    @TempDir
    Path dir;

    final List<Event> published = new CopyOnWriteArrayList<>();
    final List<String> log = Fixtures.lines();

    private ReactionService service(Map<String, Object> props) throws Exception {
        ReactionService s = new ReactionService();
        set(s, "logger", Fixtures.logger(log));
        EventPublisher pub = published::add;
        set(s, "publisher", new ComponentServiceObjects<EventPublisher>() {
            @Override
            public EventPublisher getService() {
                return pub;
            }

            @Override
            public void ungetService(EventPublisher service) {
            }

            @Override
            public ServiceReference<EventPublisher> getServiceReference() {
                return null;
            }
        });
        Map<String, Object> p = new HashMap<>(props);
        p.put("dir", dir.toString());
        s.activate(p);
        return s;
    }

    private static void set(Object o, String field, Object value) throws Exception {
        Field f = o.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(o, value);
    }

    private static ReactionRunner runner(Map<String, ReactionRunnerBody> bodies) {
        return new ReactionRunner() {
            @Override
            public void validate(String code) {
            }

            @Override
            public String run(Reaction reaction, Event event, Duration limit) throws Exception {
                return bodies.get(reaction.code()).run(limit);
            }
        };
    }

    interface ReactionRunnerBody {
        String run(Duration limit) throws Exception;
    }

    private static boolean await(long ms, java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return c.getAsBoolean();
    }

    @Test
    void everyRunIsCountedAndBecomesAnEvent() throws Exception {
        ReactionService s = service(Map.of("timeout", "2s"));
        s.addRunner(runner(Map.of("ok", l -> "fine", "fail", l -> {
            throw new IllegalStateException("broken");
        }, "slow", l -> {
            throw new TimeoutException("stopped after " + l.toMillis() + " ms");
        }, "refuse", l -> {
            throw new SecurityException("not allowed");
        })), Map.of(ReactionRunner.FORMAT, "fake"));
        Event detection = Fixtures.event(1234, 1);
        s.detected(detection, List.of(new Reaction("r", 0, "fake", "ok"), new Reaction("r", 1, "fake", "fail"),
                new Reaction("r", 2, "fake", "slow"), new Reaction("r", 3, "fake", "refuse"),
                new Reaction("r", 4, "cobol", "x")));
        assertTrue(await(5000, () -> published.size() == 5), published.toString());
        Map<String, Object> st = s.status();
        assertEquals(5L, st.get("run"));
        assertEquals(1L, st.get("ok"));
        assertEquals(1L, st.get("failed"));
        assertEquals(1L, st.get("timed_out"));
        assertEquals(2L, st.get("refused"));
        assertEquals(List.of("fake"), st.get("formats"));
        Map<Integer, JsonObject> byIndex = new HashMap<>();
        for (Event e : published) {
            assertEquals("reaction", e.metadata().kind());
            assertEquals("r", e.metadata().name());
            assertEquals(detection.process(), e.process());
            JsonObject note = JsonParser.parseString(e.note()).getAsJsonObject();
            assertEquals(detection.uuid(), note.get("detection").getAsString());
            byIndex.put(note.get("index").getAsInt(), note);
        }
        assertEquals("ok", byIndex.get(0).get("outcome").getAsString());
        assertEquals("fine", byIndex.get(0).get("output").getAsString());
        assertEquals("failed", byIndex.get(1).get("outcome").getAsString());
        assertEquals("broken", byIndex.get(1).get("error").getAsString());
        assertEquals("timed_out", byIndex.get(2).get("outcome").getAsString());
        assertEquals("stopped after 2000 ms", byIndex.get(2).get("error").getAsString());
        assertEquals("refused", byIndex.get(3).get("outcome").getAsString());
        assertTrue(byIndex.get(4).get("error").getAsString().startsWith("no runner for format cobol"));
        s.deactivate();
    }

    @Test
    void aFullQueueShedsCountsAndNeverBlocksTheCaller() throws Exception {
        ReactionService s = service(Map.of("workers", "1", "queue", "10"));
        CountDownLatch release = new CountDownLatch(1);
        s.addRunner(runner(Map.of("block", l -> {
            release.await(10, TimeUnit.SECONDS);
            return "";
        })), Map.of(ReactionRunner.FORMAT, "fake"));
        List<Reaction> one = List.of(new Reaction("r", 0, "fake", "block"));
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            s.detected(Fixtures.event(1234, 1), one);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1000, "1000 detections took " + ms + " ms");
        Map<String, Object> st = s.status();
        assertEquals(10, st.get("queue_depth"));
        assertEquals(989L, st.get("overflow"), st.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("queue full")), log.toString());
        release.countDown();
        assertTrue(await(5000, () -> published.size() == 11));
        assertEquals(11L, s.status().get("run"));
        s.deactivate();
    }

    @Test
    void badOptionsAreReportedAndTheDefaultsApply() throws Exception {
        ReactionService s = service(Map.of("timeout", "forever"));
        assertEquals(5000L, s.status().get("timeout_ms"));
        assertTrue(log.stream().anyMatch(l -> l.contains("timeout: not a duration")), log.toString());
        s.deactivate();
        List<String> errors = new ArrayList<>();
        for (Map<String, Object> bad : List.of(Map.<String, Object>of("workers", "0"),
                Map.<String, Object>of("queue", "x"), Map.<String, Object>of("dir", "relative"),
                Map.<String, Object>of("timeout", "50ms"))) {
            try {
                Options.of(bad);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        assertEquals(4, errors.size(), errors.toString());
        assertEquals(Duration.ofMillis(1500), Options.of(Map.of("timeout", "1500ms")).timeout());
    }
}
