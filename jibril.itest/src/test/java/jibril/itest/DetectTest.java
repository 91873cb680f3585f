package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType;

/**
 * The recipe engine across bundles: a recipe type registered at run time by another bundle (this test) brings a
 * waiting recipe to life; real executions then reach a printer of this bundle as detection events (data layer →
 * engine → printer whiteboard); unregistering the type stops the recipe.
 */
@RunWith(PaxExam.class)
public class DetectTest {

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with("""
                run-time:
                  log-level: info
                  health-port: %PORT%
                config:
                  plugin: [jibril:hold, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%DIR%/recipes:interval=100"]
                  printer: []
                  event: []
                """);
    }

    /** Fires on executions whose arguments contain the recipe's marker. */
    static final class MarkerType implements RecipeType {
        @Override
        public Set<String> fields() {
            return Set.of("marker");
        }

        @Override
        public Matcher compile(Map<String, Object> recipe) throws RecipeException {
            Object marker = recipe.get("marker");
            if (marker == null) {
                throw new RecipeException("marker", "missing");
            }
            return new Matcher() {
                @Override
                public Match exec(ProcessRecord p) {
                    return p.argv().contains(marker.toString()) ? new Match("marker " + marker) : null;
                }
            };
        }
    }

    @Test
    public void aTypeRegisteredAtRunTimeMakesItsRecipesFireIntoThePrinters() throws Exception {
        Path dir = Path.of(context.getProperty("jibril.itest.dir"));
        Path recipes = Files.createDirectories(dir.resolve("recipes"));
        String marker = "m-" + UUID.randomUUID().toString().substring(0, 8);
        Files.writeString(recipes.resolve("marker.yaml"), """
                - name: itest_marker
                  breed: itest_marker
                  mechanism: execution
                  importance: high
                  tactic: execution
                  marker: %s
                """.formatted(marker));
        CopyOnWriteArrayList<Event> events = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> pp = new Hashtable<>();
        pp.put(Printer.NAME, "itest-detect");
        ServiceRegistration<Printer> printer = context.registerService(Printer.class, events::add, pp);
        Hashtable<String, Object> tp = new Hashtable<>();
        tp.put(RecipeType.BREED, "itest_marker");
        ServiceRegistration<RecipeType> type = context.registerService(RecipeType.class, new MarkerType(), tp);
        Path exe = dir.resolve("jibril-itest-" + UUID.randomUUID().toString().substring(0, 8));
        Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
        try {
            boolean seen = false;
            for (int i = 0; i < 30 && !seen; i++) { // the programs may still be attaching, the recipe loading
                new ProcessBuilder(exe.toString(), marker).start().waitFor();
                seen = Waits.until(1_000, () -> detections(events, "itest_marker").size() > 0);
            }
            assertTrue("no detection; events: " + events.size(), seen);
            Event e = detections(events, "itest_marker").get(0);
            assertEquals("high", e.metadata().importance());
            assertEquals(70, e.score().severity());
            assertEquals("execution", e.metadata().format());
            assertEquals("marker " + marker, e.note());
            assertEquals(exe.toString(), e.process().exe());
            assertNotNull(e.background().ancestry());
            assertEquals(ProcessHandle.current().pid(), e.background().ancestry().get(0).pid());
        } finally {
            type.unregister();
        }
        Thread.sleep(500);
        int before = detections(events, "itest_marker").size();
        new ProcessBuilder(exe.toString(), marker).start().waitFor();
        Thread.sleep(3_000);
        assertEquals("the recipe fired after its type left", before, detections(events, "itest_marker").size());
        printer.unregister();
    }

    private static List<Event> detections(List<Event> events, String name) {
        return events.stream().filter(e -> e.metadata() != null && name.equals(e.metadata().name())).toList();
    }
}
