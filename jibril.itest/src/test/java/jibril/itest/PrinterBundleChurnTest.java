package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.wiring.FrameworkWiring;

import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.Printer;
import jibril.core.api.StatusSource;
import jibril.itest.churn.ChurnActivator;
import jibril.itest.churn.ChurnPrinter;

/**
 * A printer bundle installed and uninstalled 50 times while events flow: every event published while it was
 * registered with the whiteboard reached it exactly once and in order, and a printer that stayed all along got
 * every event exactly once, in order.
 */
@RunWith(PaxExam.class)
public class PrinterBundleChurnTest {

    static final int ROUNDS = 50;

    @Inject
    private BundleContext context;

    @Inject
    private EventPublisher publisher;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with(JibrilOptions.QUIET_CONFIG);
    }

    private static Event event(int n) {
        return new Event("churn-" + n, "2026-11-25T10:00:00Z", "", null, null, null, null, null);
    }

    @Test
    public void aPrinterBundleComingAndGoingFiftyTimesGetsEachEventOfItsLifetimeOnce() throws Exception {
        List<Integer> steady = Collections.synchronizedList(new ArrayList<>());
        Hashtable<String, Object> sp = new Hashtable<>();
        sp.put(Printer.NAME, "steady");
        ServiceRegistration<Printer> steadyReg = context.registerService(Printer.class, e -> {
            if (e.uuid() != null && e.uuid().startsWith("churn-")) {
                steady.add(Integer.parseInt(e.uuid().substring(6)));
            }
        }, sp);
        assertTrue(Waits.until(10_000, () -> printers().containsKey("steady")));

        AtomicInteger published = new AtomicInteger(-1); // the last event fully published
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            for (int n = 0; running.get(); n++) {
                publisher.publish(event(n));
                published.set(n);
                if (n % 5 == 0) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "churn-load");
        load.start();
        Random random = new Random(5);
        byte[][] classes = { classBytes(ChurnActivator.class), classBytes(ChurnPrinter.class) };
        int totalSeen = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int before = published.get();
                Bundle b = context.installBundle("itest:churn-" + round, jar(round, classes));
                b.start();
                String name = "churn-" + round;
                assertTrue("round " + round + ": the printer never joined the whiteboard",
                        Waits.until(10_000, () -> printers().containsKey(name)));
                int from = published.get() + 2; // anything published from here on began after it joined
                Thread.sleep(20 + random.nextInt(80));
                @SuppressWarnings("unchecked")
                Supplier<List<String>> seen = (Supplier<List<String>>) context.getService(
                        context.getServiceReferences(Supplier.class, "(churn.id=" + round + ")").iterator().next());
                int to = published.get(); // fully published before it leaves: must reach it
                b.uninstall();
                int after = published.get();
                List<Integer> got = seen.get().stream().map(s -> Integer.parseInt(s.substring(6))).toList();
                assertTrue("round " + round + ": " + got.size() + " events, too few to mean anything", to - from > 20);
                Set<Integer> unique = new HashSet<>(got);
                assertEquals("round " + round + ": an event arrived twice", got.size(), unique.size());
                for (int i = 1; i < got.size(); i++) {
                    assertTrue("round " + round + ": out of order at " + i, got.get(i) > got.get(i - 1));
                }
                for (int n = from; n <= to; n++) {
                    assertTrue("round " + round + ": event " + n + " (published while it was registered, " + from
                            + ".." + to + ") never reached it", unique.contains(n));
                }
                for (int n : got) {
                    assertTrue("round " + round + ": event " + n + " outside its lifetime " + before + ".." + after,
                            n > before && n <= after + 1);
                }
                assertTrue("round " + round + ": still registered", !printers().containsKey(name));
                totalSeen += got.size();
            }
        } finally {
            running.set(false);
            load.join(5_000);
        }
        int last = published.get();
        assertTrue("the steady printer is behind", Waits.until(10_000, () -> steady.size() == last + 1));
        for (int n = 0; n <= last; n++) {
            assertEquals("the steady printer, event " + n, n, (int) steady.get(n));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) printers().get("steady");
        assertEquals("steady dropped nothing", 0L, s.get("dropped"));
        assertTrue("the churning printers saw events", totalSeen > ROUNDS * 20);
        steadyReg.unregister();
        // Let the framework forget the 50 uninstalled revisions.
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null);
    }

    /** The whiteboard's status: printer name to its figures. */
    private Map<String, Object> printers() {
        try {
            for (ServiceReference<StatusSource> r : context.getServiceReferences(StatusSource.class,
                    "(" + StatusSource.NAME + "=printers)")) {
                StatusSource s = context.getService(r);
                try {
                    return s.status();
                } finally {
                    context.ungetService(r);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of();
    }

    private static byte[] classBytes(Class<?> c) throws Exception {
        try (InputStream in = c.getClassLoader().getResourceAsStream(c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** A bundle of the two churn classes, importing only the framework and the Jibril API. */
    private static InputStream jar(int round, byte[][] classes) throws Exception {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "jibril.itest.churn");
        a.putValue("Bundle-Version", "1.0." + round);
        a.putValue("Bundle-Activator", ChurnActivator.class.getName());
        a.putValue("Import-Package", "org.osgi.framework,jibril.core.api");
        a.putValue("Churn-Id", Integer.toString(round));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, m)) {
            String[] names = { ChurnActivator.class.getName(), ChurnPrinter.class.getName() };
            for (int i = 0; i < names.length; i++) {
                jar.putNextEntry(new JarEntry(names[i].replace('.', '/') + ".class"));
                jar.write(classes[i]);
                jar.closeEntry();
            }
        }
        return new ByteArrayInputStream(out.toByteArray());
    }
}
