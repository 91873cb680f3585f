package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Hashtable;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import jibril.core.api.Event;
import jibril.core.api.Printer;

/**
 * A printer registered at run time receives the exec events of real processes, and unregistering it stops
 * delivery: the whiteboard, across bundles, on the real kernel.
 */
@RunWith(PaxExam.class)
public class PrinterWhiteboardTest {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with(JibrilOptions.QUIET_CONFIG);
    }

    /** A printer that keeps what it is given. */
    static final class Collecting implements Printer {
        final CopyOnWriteArrayList<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void print(Event event) {
            events.add(event);
        }

        Optional<Event> byExe(Path exe) {
            return events.stream().filter(e -> e.process() != null && exe.toString().equals(e.process().exe()))
                    .findFirst();
        }
    }

    @Test
    public void aPrinterRegisteredAtRunTimeReceivesExecEventsUntilUnregistered() throws Exception {
        Collecting printer = new Collecting();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Printer.NAME, "itest");
        ServiceRegistration<Printer> reg = context.registerService(Printer.class, printer, props);
        Path dir = Path.of(context.getProperty("jibril.itest.dir"));
        try {
            Path exe = uniqueTrue(dir);
            // The core may still be attaching: run the binary until one of its events arrives (bounded).
            java.util.Set<Long> pids = new java.util.concurrent.CopyOnWriteArraySet<>();
            boolean seen = false;
            for (int i = 0; i < 20 && !seen; i++) {
                Process p = new ProcessBuilder(exe.toString(), "alpha", "beta gamma").start();
                pids.add(p.pid());
                p.waitFor();
                seen = Waits.until(1_000, () -> printer.byExe(exe).isPresent());
            }
            Event e = printer.byExe(exe).orElse(null);
            assertNotNull("no exec event for " + exe + " among " + printer.events.size() + " events; status: "
                    + status(), e);
            assertTrue("pid " + e.process().pid() + " is none of " + pids, pids.contains(e.process().pid()));
            assertEquals(ProcessHandle.current().pid(), e.process().ppid());
            assertEquals(exe + " alpha beta gamma", e.process().cmd());
            assertEquals("alpha beta gamma", e.process().args());
            assertEquals("exec", e.metadata().name());
            assertFalse("ancestry is empty", e.background().ancestry().isEmpty());
            assertEquals(ProcessHandle.current().pid(), e.background().ancestry().get(0).pid());
            assertNotNull(e.scenarios().hostos().hostname());
        } finally {
            reg.unregister();
        }

        int before = printer.events.size();
        Path after = uniqueTrue(dir);
        new ProcessBuilder(after.toString()).start().waitFor();
        Thread.sleep(3_000); // longer than a notice round trip and a sweep
        assertTrue("events after unregistering", printer.byExe(after).isEmpty());
        assertEquals(before, printer.events.size());
    }

    private String status() throws Exception {
        StringBuilder s = new StringBuilder();
        for (var ref : context.getServiceReferences(jibril.core.api.StatusSource.class, null)) {
            s.append(ref.getProperty(jibril.core.api.StatusSource.NAME)).append('=')
                    .append(context.getService(ref).status()).append("; ");
        }
        return s.toString();
    }

    private static Path uniqueTrue(Path dir) throws Exception {
        Path exe = dir.resolve("jibril-itest-" + UUID.randomUUID().toString().substring(0, 8));
        Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
        return exe;
    }
}
