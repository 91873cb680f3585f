package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.StatusSource;

/**
 * Printers follow config.printer while the daemon runs: an entry added to the file starts its printer, a changed
 * entry restarts it with the new options, a removed one stops it; the file printers write chained lines, mode 0600.
 */
@RunWith(PaxExam.class)
public class PrinterConfigTest {

    @Inject
    private BundleContext context;

    @Inject
    private EventPublisher publisher;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with(JibrilOptions.QUIET_CONFIG);
    }

    private static Event event(String id) {
        return new Event(id, "2026-11-25T10:00:00Z", "", null, null, null, null, null);
    }

    @Test
    public void printersAreAddedChangedAndRemovedWithTheConfigFile() throws Exception {
        Path file = Path.of(context.getProperty("jibril.config"));
        Path dir = Path.of(context.getProperty("jibril.itest.dir"));
        String original = Files.readString(file);
        String key = "chain-key=" + dir.resolve("chain.key");
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Path varlog = dir.resolve("varlog");

        setPrinters(file, original, "jibril:printers:file:path=" + a + ":" + key,
                "jibril:printers:varlog:dir=" + varlog + ":" + key, "jibril:printers:void");
        assertTrue("printers not started: " + printers(), Waits.until(10_000,
                () -> printers().keySet().containsAll(List.of("file", "varlog", "void"))));
        publisher.publish(event("cfg-1"));
        publisher.publish(event("cfg-2"));
        assertTrue(Waits.until(5_000, () -> lines(a).size() == 2));
        assertTrue(lines(a).get(1).startsWith("{\"uuid\":\"cfg-2\""));
        assertTrue(lines(a).get(1), lines(a).get(1).contains(",\"chain\":{\"seq\":2,\"prev\":\""));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
        assertTrue(Waits.until(5_000, () -> lines(varlog.resolve("jibril.log")).size() == 2));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(varlog.resolve("jibril.log"))));
        assertTrue(Waits.until(5_000, () -> Long.valueOf(2).equals(figures("void").get("discarded"))));

        // Changed: the file printer moves to b.json; varlog and void stay as they were.
        setPrinters(file, original, "jibril:printers:file:path=" + b + ":" + key,
                "jibril:printers:varlog:dir=" + varlog + ":" + key, "jibril:printers:void");
        assertTrue("the file printer did not move: " + printers(),
                Waits.until(10_000, () -> b.toString().equals(figures("file").get("file"))));
        publisher.publish(event("cfg-3"));
        assertTrue(Waits.until(5_000, () -> lines(b).size() == 1));
        assertEquals(2, lines(a).size());
        assertTrue(Waits.until(5_000, () -> lines(varlog.resolve("jibril.log")).size() == 3));

        // Removed: the file printer stops, the others go on.
        setPrinters(file, original, "jibril:printers:varlog:dir=" + varlog + ":" + key, "jibril:printers:void");
        assertTrue(Waits.until(10_000, () -> !printers().containsKey("file")));
        publisher.publish(event("cfg-4"));
        assertTrue(Waits.until(5_000, () -> lines(varlog.resolve("jibril.log")).size() == 4));
        Thread.sleep(300);
        assertEquals(1, lines(b).size());
        assertFalse(printers().containsKey("file"));
        assertEquals(4L, figures("varlog").get("seq"));
    }

    @Test
    public void twoPrintersOfOneKindRunSideBySideUnderTheirOwnNames() throws Exception {
        Path file = Path.of(context.getProperty("jibril.config"));
        Path dir = Path.of(context.getProperty("jibril.itest.dir"));
        String original = Files.readString(file);
        String key = "chain-key=" + dir.resolve("chain.key");
        Path main = dir.resolve("main-log");
        Path audit = dir.resolve("audit-log");
        // One varlog as usual, one more named "audit" (its kind from the printers section), in another directory.
        setPrintersAndSection(file, original, "printers:\n  audit:\n    type: varlog\n    dir: " + audit + "\n",
                "jibril:printers:varlog:dir=" + main + ":" + key, "jibril:printers:audit:" + key);
        assertTrue("printers not started: " + printers() + "\nconfig: " + section("config") + "\nfile:\n"
                + Files.readString(file), Waits.until(10_000,
                () -> printers().keySet().containsAll(List.of("varlog", "audit"))));
        publisher.publish(event("inst-1"));
        publisher.publish(event("inst-2"));
        assertTrue(Waits.until(5_000, () -> lines(main.resolve("jibril.log")).size() == 2));
        // The instance writes <its name>.log by default, with a chain of its own.
        assertTrue(Waits.until(5_000, () -> lines(audit.resolve("audit.log")).size() == 2));
        assertTrue(lines(audit.resolve("audit.log")).get(1).contains(",\"chain\":{\"seq\":2,"));
        assertEquals(audit.resolve("audit.log").toString(), figures("audit").get("file"));

        // Removing the instance stops it alone.
        setPrinters(file, original, "jibril:printers:varlog:dir=" + main + ":" + key);
        assertTrue("the instance did not stop: " + printers(), Waits.until(10_000, () -> !printers().containsKey("audit")));
        publisher.publish(event("inst-3"));
        assertTrue(Waits.until(5_000, () -> lines(main.resolve("jibril.log")).size() == 3));
        Thread.sleep(300);
        assertEquals(2, lines(audit.resolve("audit.log")).size());
    }

    private static void setPrinters(Path file, String original, String... entries) throws IOException {
        setPrintersAndSection(file, original, "", entries);
    }

    /** The config file with these printer entries and this printers section (the container is shared). */
    private static void setPrintersAndSection(Path file, String original, String section, String... entries)
            throws IOException {
        StringBuilder list = new StringBuilder("[");
        for (int i = 0; i < entries.length; i++) {
            list.append(i > 0 ? ", " : "").append('"').append(entries[i]).append('"');
        }
        list.append(']');
        String text = original.replaceFirst("(?s)\nprinters:\n.*", "\n");
        int at = text.indexOf("  printer: ");
        int eol = text.indexOf('\n', at);
        Files.writeString(file, text.substring(0, at) + "  printer: " + list + text.substring(eol) + section);
    }

    private static List<String> lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> figures(String printer) {
        Object m = printers().get(printer);
        return m instanceof Map ? (Map<String, Object>) m : Map.of();
    }

    private Map<String, Object> printers() {
        return section("printers");
    }

    private Map<String, Object> section(String name) {
        try {
            for (ServiceReference<StatusSource> r : context.getServiceReferences(StatusSource.class,
                    "(" + StatusSource.NAME + "=" + name + ")")) {
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
}
