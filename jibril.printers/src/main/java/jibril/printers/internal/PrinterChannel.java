package jibril.printers.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.log.Logger;

import jibril.core.api.Event;
import jibril.core.api.Printer;

/** One printer's queue and the thread that drains it into the printer, in order. */
final class PrinterChannel {

    private static final Event STOP = new Event(null, null, null, null, null, null, null, null);

    private final String name;
    private final Printer printer;
    private final BlockingQueue<Event> queue;
    private final Logger logger;
    private final Thread thread;
    private final AtomicLong printed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    PrinterChannel(String name, Printer printer, int capacity, Logger logger) {
        this.name = name;
        this.printer = printer;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.logger = logger;
        this.thread = new Thread(this::drain, "jibril-printer-" + name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Queues the event; never blocks. A full queue refuses it and counts the loss. */
    void offer(Event event) {
        if (!queue.offer(event)) {
            if (dropped.incrementAndGet() % 10_000 == 1) {
                logger.warn("printer {} is too slow: {} events dropped so far", name, dropped.get());
            }
        }
    }

    /** Lets the printer finish what is queued (up to 5 s), then ends the thread. */
    void stop() {
        try {
            if (!queue.offer(STOP, 5, TimeUnit.SECONDS)) {
                thread.interrupt();
            }
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    private void drain() {
        try {
            while (true) {
                Event e = queue.take();
                if (e == STOP) {
                    flush();
                    return;
                }
                try {
                    printer.print(e);
                    printed.incrementAndGet();
                } catch (Exception ex) {
                    if (failed.incrementAndGet() % 1_000 == 1) {
                        logger.error("printer {} failed to print an event ({} failures so far)", name, failed.get(), ex);
                    }
                }
                if (queue.isEmpty()) {
                    flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void flush() {
        try {
            printer.flush();
        } catch (Exception ex) {
            logger.warn("printer {} failed to flush", name, ex);
        }
    }

    String name() {
        return name;
    }

    Printer printer() {
        return printer;
    }

    long printed() {
        return printed.get();
    }

    long dropped() {
        return dropped.get();
    }

    long failed() {
        return failed.get();
    }

    int queued() {
        return queue.size();
    }
}
