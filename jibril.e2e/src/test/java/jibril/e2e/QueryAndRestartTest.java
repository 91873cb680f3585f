package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * bin/jibril query prints what the kernel recorded as JSON lines; a restart of the daemon resumes from the pinned
 * maps: what was recorded before it is still found after it, and no exec event is printed twice.
 */
class QueryAndRestartTest {

    @Test
    void factsSurviveARestartAndAreReportedOnce() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            Path exe = jibril.dir.resolve("jibril-q-" + UUID.randomUUID().toString().substring(0, 8));
            Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
            Process p = new ProcessBuilder(exe.toString(), "one", "two").start();
            assertEquals(0, p.waitFor());

            assertTrue(JibrilProcess.waitFor(30_000, () -> query(jibril, exe).size() == 1),
                    "query did not find " + exe + "\n" + jibril.log());
            JsonObject row = JsonParser.parseString(query(jibril, exe).get(0)).getAsJsonObject();
            assertEquals(p.pid(), row.get("pid").getAsLong());
            assertEquals(exe + " one two", row.get("cmd").getAsString());
            assertTrue(JibrilProcess.waitFor(10_000, () -> countEvents(jibril, exe) == 1), "no exec event");
            assertEquals(0, jibril.stop());

            // Second daemon, same pin root: the fact is still there, and its event is not printed again.
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), "not ready after restart:\n" + jibril.log());
            assertEquals(1, query(jibril, exe).size(), "the fact did not survive the restart");
            Thread.sleep(3_000); // more than a sweep
            assertEquals(1, countEvents(jibril, exe), "an exec event was printed twice across the restart");

            ProcessBuilder badRegex = new ProcessBuilder(JibrilProcess.ROOT.resolve("bin/jibril").toString(), "query",
                    "processes", "--exe", "((").redirectErrorStream(true);
            badRegex.environment().putAll(jibril.env());
            Process bad = badRegex.start();
            String badOut = new String(bad.getInputStream().readAllBytes());
            assertEquals(1, bad.waitFor(), badOut);
            assertTrue(badOut.contains("--exe: not a regular expression"), badOut);
            assertEquals(0, jibril.stop());
        }
    }

    private static List<String> query(JibrilProcess jibril, Path exe) {
        try {
            ProcessBuilder pb = new ProcessBuilder(JibrilProcess.ROOT.resolve("bin/jibril").toString(), "query",
                    "processes", "--exe", exe.getFileName() + "$").redirectErrorStream(true);
            pb.environment().putAll(jibril.env());
            Process q = pb.start();
            String out = new String(q.getInputStream().readAllBytes());
            q.waitFor();
            return out.lines().filter(l -> l.startsWith("{")).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static long countEvents(JibrilProcess jibril, Path exe) {
        try {
            return jibril.events().stream().filter(l -> l.contains("\"exe\":\"" + exe + "\"")).count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
