package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * About a thousand detections a second, each with a js reaction: every detection is printed as it comes, and
 * every reaction is either run (and reported by its own event) or shed and counted in {@code reactions.overflow};
 * none is lost silently and the daemon stays healthy. Prints the figures.
 */
class ReactionsLoadTest {

    static final int EXECS = 3000;

    private static final String RECIPE = """
            - name: rx_load_probe
              breed: file_access
              mechanism: execution
              importance: low
              file_actions: [execve]
              bases:
                - regex: /rx-load-probe$
              reactions:
                - format: js
                  code: |
                    function process(data) {
                      let s = 0;
                      for (let i = 0; i < 100; i++) { s += i; }
                      return data.process.pid + s;
                    }
            """;

    @Test
    void detectionsKeepFlowingAndEveryReactionIsRunOrCountedAsShed() throws Exception {
        Path scratch = Files.createTempDirectory("jibril-reactions-load-");
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path recipes = Files.createDirectories(scratch.resolve("recipes"));
            Files.writeString(recipes.resolve("load.yaml"), RECIPE);
            Files.writeString(jibril.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    config:
                      plugin: [jibril:hold, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%s", "jibril:reactions:dir=%s:queue=256"]
                      printer: [jibril:printers:stdout]
                      event: []
                    """.formatted(jibril.healthPort, recipes, scratch.resolve("state")));
            jibril.start();
            assertTrue(jibril.awaitReady(90_000), "not ready:\n" + jibril.log());
            assertTrue(JibrilProcess.waitFor(30_000, () -> recipes(jibril).contains("rx_load_probe")),
                    recipes(jibril));

            Path probe = Files.createDirectories(scratch.resolve("bin")).resolve("rx-load-probe");
            Files.copy(Path.of("/usr/bin/true"), probe);
            long t0 = System.nanoTime();
            Process load = new ProcessBuilder("bash", "-c",
                    "for j in 1 2 3 4; do (for ((i = 0; i < " + EXECS / 4 + "; i++)); do " + probe
                            + "; done) & done; wait").inheritIO().start();
            assertTrue(load.waitFor(120, TimeUnit.SECONDS));
            double loadSeconds = (System.nanoTime() - t0) / 1e9;

            // detections are printed as they come: all of them within a few seconds of the last exec
            long printedAfter = System.nanoTime();
            assertTrue(JibrilProcess.waitFor(60_000, () -> detections(jibril) >= EXECS * 0.95),
                    detections(jibril) + " detections printed\n" + status(jibril));
            double printLag = (System.nanoTime() - printedAfter) / 1e9;
            // every reaction is run or shed, and counted
            assertTrue(JibrilProcess.waitFor(120_000, () -> {
                String s = status(jibril);
                return number(s, "run") + number(s, "overflow") == detections(jibril)
                        && number(s, "queue_depth") == 0 && number(s, "running") == 0;
            }), status(jibril));
            String s = status(jibril);
            long run = number(s, "run");
            long overflow = number(s, "overflow");
            long events = jibril.events().stream().filter(l -> l.contains("\"kind\":\"reaction\"")).count();
            assertEquals(run, events, "every run is an event");
            assertEquals(run, number(s, "ok"), s);
            double ran = (System.nanoTime() - t0) / 1e9;
            System.out.printf("[reactions-load] %d execs in %.1f s (%.0f/s); %d detections printed, the last %.1f s "
                    + "after the load; reactions: %d run (%.0f/s over %.1f s), %d shed (overflow), mean %d ms%n",
                    EXECS, loadSeconds, EXECS / loadSeconds, detections(jibril), printLag, run, run / ran, ran,
                    overflow, number(s, "mean_ms"));
            if (overflow > 0) {
                assertTrue(jibril.log().contains("reactions: queue full"), "shedding is logged");
            }
            assertTrue(jibril.process().isAlive());
            assertEquals(200, jibril.httpStatus("/health/ready"));
        } finally {
            JibrilProcess.delete(scratch);
        }
    }

    private static long detections(JibrilProcess jibril) {
        try {
            return jibril.events().stream().filter(l -> l.contains("\"name\":\"rx_load_probe\"")
                    && !l.contains("\"kind\":\"reaction\"")).count();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String recipes(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:recipes").output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String status(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:status").output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** A counter of the reactions section, e.g. "overflow=12". */
    private static long number(String status, String key) {
        int at = status.indexOf("\nreactions");
        if (at < 0) {
            return -1;
        }
        String line = status.substring(at + 1, status.indexOf('\n', at + 1) < 0 ? status.length()
                : status.indexOf('\n', at + 1));
        Matcher m = Pattern.compile("[\\[ ]" + key + "=(\\d+)").matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
