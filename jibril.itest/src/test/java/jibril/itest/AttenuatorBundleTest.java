package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.sun.net.httpserver.HttpServer;

import jibril.core.api.Attenuator;
import jibril.core.api.Event;
import jibril.core.api.Printer;
import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType;
import jibril.core.api.StatusSource;

/**
 * The attenuator bundle in the framework: a configuration pushed at run time registers its attenuator, whose
 * verdicts (from a chat-completions endpoint this test runs) reach the printers on real detections; a wrong
 * configuration keeps the last good one; uninstalling the bundle while detections flow loses none of them.
 */
@RunWith(PaxExam.class)
public class AttenuatorBundleTest {

    private static final String TOKEN = "sk-itest-" + UUID.randomUUID();
    private static final int PROBES = 40;

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin configAdmin;

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

    /** Fires on executions whose first argument is the recipe's marker. */
    static final class MarkerType implements RecipeType {
        @Override
        public Set<String> fields() {
            return Set.of("marker");
        }

        @Override
        public Matcher compile(Map<String, Object> recipe) throws RecipeException {
            Object marker = recipe.get("marker");
            return new Matcher() {
                @Override
                public Match exec(ProcessRecord p) {
                    return p.argv().contains(String.valueOf(marker)) ? new Match("marker") : null;
                }
            };
        }
    }

    @Test
    public void verdictsReachThePrintersAndUninstallingTheBundleLosesNoDetection() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CopyOnWriteArrayList<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        model.setExecutor(Executors.newFixedThreadPool(4));
        model.createContext("/v1/chat/completions", x -> {
            try (x) {
                calls.incrementAndGet();
                authorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
                x.getRequestBody().readAllBytes();
                Thread.sleep(50);
                String verdict = "{\\\"is_false_positive\\\":false,\\\"confidence\\\":0.75,\\\"new_severity\\\":66,"
                        + "\\\"interpretation\\\":\\\"itest verdict\\\"}";
                byte[] out = ("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"" + verdict + "\"}}]}")
                        .getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, out.length);
                try (OutputStream os = x.getResponseBody()) {
                    os.write(out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        model.start();

        Path dir = Path.of(context.getProperty("jibril.itest.dir"));
        Path recipes = Files.createDirectories(dir.resolve("recipes"));
        String marker = "att-" + UUID.randomUUID().toString().substring(0, 8);
        Files.writeString(recipes.resolve("marker.yaml"), """
                - name: itest_attenuated
                  breed: itest_attenuated
                  mechanism: execution
                  importance: high
                  marker: %s
                """.formatted(marker));
        CopyOnWriteArrayList<Event> events = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> pp = new Hashtable<>();
        pp.put(Printer.NAME, "itest-attenuator");
        ServiceRegistration<Printer> printer = context.registerService(Printer.class, events::add, pp);
        Hashtable<String, Object> tp = new Hashtable<>();
        tp.put(RecipeType.BREED, "itest_attenuated");
        ServiceRegistration<RecipeType> type = context.registerService(RecipeType.class, new MarkerType(), tp);
        org.osgi.service.cm.Configuration cfg = configAdmin.getConfiguration("jibril.plugin.attenuator", "?");
        Path exe = dir.resolve("jibril-itest-att");
        Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
        try {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("url", "http://127.0.0.1:" + model.getAddress().getPort() + "/v1/chat/completions");
            props.put("token", TOKEN);
            props.put("model", "itest-model");
            props.put("budget", "2s");
            cfg.update(props);
            assertTrue("no attenuator registered: " + status(),
                    Waits.until(10_000, () -> attenuators() == 1 && "enabled".equals(status().get("state"))));

            // A wrong change is reported and the attenuator in force stays.
            Hashtable<String, Object> bad = new Hashtable<>(props);
            bad.put("mode", "shout");
            cfg.update(bad);
            assertTrue(Waits.until(10_000, () -> String.valueOf(status().get("error")).contains("mode \"shout\"")));
            assertEquals(1, attenuators());
            cfg.update(props);

            // The first detection (the programs may still be attaching) comes attenuated.
            boolean seen = false;
            for (int i = 0; i < 30 && !seen; i++) {
                new ProcessBuilder(exe.toString(), marker, "warm-" + i).start().waitFor();
                seen = Waits.until(1_000, () -> !detections(events).isEmpty());
            }
            assertTrue("no detection", seen);
            assertTrue(Waits.until(5_000, () -> detections(events).get(0).attenuator() != null));
            Event first = detections(events).get(0);
            assertEquals("openai", first.attenuator().get("attenuated_by"));
            assertEquals("itest verdict", first.attenuator().get("interpretation"));
            assertEquals(66, first.score().severity());
            assertFalse(first.toString().contains(TOKEN));
            assertTrue(authorizations.stream().allMatch(("Bearer " + TOKEN)::equals));
            assertFalse(String.valueOf(status()).contains(TOKEN));

            // Probes flow while the bundle is uninstalled: every one is printed once.
            events.clear();
            Bundle bundle = Arrays.stream(context.getBundles())
                    .filter(b -> "jibril.attenuator".equals(b.getSymbolicName())).findFirst().orElseThrow();
            for (int i = 0; i < PROBES; i++) {
                new ProcessBuilder(exe.toString(), marker, "probe-" + i).start().waitFor();
                if (i == PROBES / 4) {
                    bundle.uninstall();
                }
                Thread.sleep(20);
            }
            Map<String, Integer> perProbe = new HashMap<>();
            boolean all = Waits.until(20_000, () -> {
                perProbe.clear();
                for (Event e : detections(events)) {
                    perProbe.merge(e.process().args(), 1, Integer::sum);
                }
                return perProbe.keySet().stream().filter(a -> a.contains("probe-")).count() >= PROBES;
            });
            assertTrue("printed " + perProbe.size() + " of " + PROBES + ": " + perProbe.keySet(), all);
            assertTrue(perProbe.toString(), perProbe.values().stream().allMatch(n -> n == 1));
            long attenuated = detections(events).stream().filter(e -> e.attenuator() != null).count();
            assertTrue(attenuated + " attenuated", attenuated >= 1 && attenuated < PROBES);
            assertEquals(0, attenuators());
            System.out.printf("[attenuator itest] %d of %d probes printed once, %d attenuated (uninstalled after "
                    + "probe %d), %d model calls%n", perProbe.size(), PROBES, attenuated, PROBES / 4, calls.get());
        } finally {
            cfg.delete();
            type.unregister();
            printer.unregister();
            model.stop(0);
        }
    }

    private int attenuators() {
        try {
            var refs = context.getServiceReferences(Attenuator.class, null);
            return refs.size();
        } catch (Exception e) {
            return -1;
        }
    }

    private Map<String, Object> status() {
        try {
            var refs = context.getServiceReferences(StatusSource.class, "(" + StatusSource.NAME + "=attenuator)");
            if (refs.isEmpty()) {
                return Map.of();
            }
            StatusSource s = context.getService(refs.iterator().next());
            try {
                return s.status();
            } finally {
                context.ungetService(refs.iterator().next());
            }
        } catch (Exception e) {
            return Map.of("exception", e.toString());
        }
    }

    private static List<Event> detections(List<Event> events) {
        return events.stream().filter(e -> e.metadata() != null && "itest_attenuated".equals(e.metadata().name()))
                .toList();
    }
}
