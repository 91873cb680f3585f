package jibril.printers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.Logger;

import jibril.core.api.Event;
import jibril.core.api.Printer;

class PrinterChannelTest {

    private static final Logger QUIET = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] { Logger.class }, (p, m, a) -> m.getReturnType() == boolean.class ? false : null);

    private static Event event(String id) {
        return new Event(id, "t", "", null, null, null, null, null);
    }

    @Test
    void printsInOrderAndFlushesWhenTheQueueRunsEmpty() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch flushed = new CountDownLatch(1);
        Printer p = new Printer() {
            @Override
            public void print(Event e) {
                seen.add(e.uuid());
            }

            @Override
            public void flush() {
                flushed.countDown();
            }
        };
        PrinterChannel c = new PrinterChannel("t", p, 16, QUIET);
        c.start();
        for (int i = 0; i < 10; i++) {
            c.offer(event("e" + i));
        }
        assertTrue(flushed.await(5, TimeUnit.SECONDS));
        c.stop();
        assertEquals(List.of("e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"), seen);
        assertEquals(10, c.printed());
    }

    @Test
    void aStuckPrinterNeverBlocksThePublisherAndItsLossesAreCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Printer stuck = e -> release.await();
        PrinterChannel c = new PrinterChannel("stuck", stuck, 4, QUIET);
        c.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            c.offer(event("e" + i));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 1000, "offer blocked for " + ms + " ms");
        // Four wait in the queue, and one more if the printer thread took one in time: the rest were counted.
        assertTrue(c.dropped() == 995 || c.dropped() == 996, "dropped " + c.dropped());
        release.countDown();
        c.stop();
    }

    @Test
    void aFailingPrinterIsCountedAndKeepsGoing() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Printer flaky = e -> {
            if (e.uuid().equals("bad")) {
                throw new IllegalStateException("boom");
            }
            seen.add(e.uuid());
        };
        PrinterChannel c = new PrinterChannel("flaky", flaky, 16, QUIET);
        c.start();
        c.offer(event("a"));
        c.offer(event("bad"));
        c.offer(event("b"));
        c.stop();
        assertEquals(List.of("a", "b"), seen);
        assertEquals(1, c.failed());
    }
}
