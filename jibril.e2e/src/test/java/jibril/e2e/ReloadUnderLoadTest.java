package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Recipes swapped 100 times while programs run: every execution the recipe covers is detected exactly once,
 * whichever version of the recipe was in force (a new version replaces the old one atomically).
 */
class ReloadUnderLoadTest {

    static final int PROBES = 300;
    static final int SWAPS = 100;

    @Test
    void noDetectionIsMissedWhileTheRecipeIsSwapped() throws Exception {
        Path scratch = Files.createTempDirectory("jibril-reload-");
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path recipes = Files.createDirectories(scratch.resolve("recipes"));
            Path file = recipes.resolve("swap.yaml");
            write(file, 0);
            jibril.writeRecipesConfig(recipes, 50);
            jibril.start();
            assertTrue(jibril.awaitReady(90_000), jibril.log());
            assertTrue(JibrilProcess.waitFor(30_000, () -> status(jibril).contains("recipes_active=1")),
                    status(jibril));
            long loadsBefore = loads(status(jibril));

            Path bin = Files.createDirectories(scratch.resolve("bin"));
            AtomicInteger swaps = new AtomicInteger();
            Thread swapper = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 1; i <= SWAPS; i++) {
                        write(file, i);
                        swaps.incrementAndGet();
                        Thread.sleep(120);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < PROBES; i++) {
                Path probe = bin.resolve("reload-probe-" + i);
                Files.copy(Path.of("/usr/bin/true"), probe);
                probe.toFile().setExecutable(true);
                Process p = new ProcessBuilder(probe.toString()).start();
                assertEquals(0, p.waitFor());
                Thread.sleep(40);
            }
            swapper.join();
            long applied = loads(status(jibril)) - loadsBefore;
            assertEquals(SWAPS, swaps.get());
            Map<String, Integer> seen = new HashMap<>();
            assertTrue(JibrilProcess.waitFor(30_000, () -> {
                seen.clear();
                try {
                    for (String line : jibril.events()) {
                        JsonObject e = JsonParser.parseString(line).getAsJsonObject();
                        if (e.getAsJsonObject("metadata").get("name").getAsString().equals("reload_probe")) {
                            seen.merge(e.getAsJsonObject("process").get("exe").getAsString(), 1, Integer::sum);
                        }
                    }
                } catch (Exception e) {
                    return false;
                }
                return seen.size() >= PROBES;
            }), "detected " + seen.size() + " of " + PROBES + " probes\n" + jibril.log());
            List<String> twice = new ArrayList<>();
            seen.forEach((exe, n) -> {
                if (n != 1) {
                    twice.add(exe + " x" + n);
                }
            });
            assertEquals(List.of(), twice, "each execution is detected once");
            System.out.printf("[reload] %d swaps written, %d loads applied by the engine, %d of %d executions "
                    + "detected%n", SWAPS, applied, seen.size(), PROBES);
            assertTrue(applied >= SWAPS / 2, "the engine applied only " + applied + " of " + SWAPS + " swaps");
            assertEquals(0, jibril.stop());
        } finally {
            JibrilProcess.delete(scratch);
        }
    }

    /** Version i of the recipe, written atomically (rename). */
    private static void write(Path file, int version) throws Exception {
        Path tmp = file.resolveSibling(".swap.tmp");
        Files.writeString(tmp, """
                - kind: reload_probe
                  name: reload_probe
                  description: version %d of a recipe swapped under load
                  breed: file_access
                  mechanism: execution
                  importance: low
                  file_actions: [execve]
                  bases:
                    - regex: /reload-probe-[0-9]+$
                """.formatted(version));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String status(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:status").output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static long loads(String status) {
        Matcher m = Pattern.compile("file_loads=(\\d+)").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
