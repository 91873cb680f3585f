package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonParser;

/**
 * The daemon is stopped while processes keep starting, then started again: every execution that happened
 * before the stop is still in the record afterwards (the maps are pinned), and those after the restart too.
 */
class RestartUnderLoadTest {

    @Test
    void aRestartMidLoadLosesNothingThatHappenedBeforeIt() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            Path exe = jibril.dir.resolve("jibril-r-" + UUID.randomUUID().toString().substring(0, 8));
            Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
            Path log = jibril.dir.resolve("load.log");
            // Each iteration logs "<n> <time in ns>" after its exec has returned.
            Process load = new ProcessBuilder("/bin/bash", "-c", "for i in $(seq 1 400); do " + exe
                    + " $i; echo \"$i $(date +%s%N)\" >> " + log + "; sleep 0.01; done").start();
            Thread.sleep(2_000);
            long stoppingAt = System.currentTimeMillis() * 1_000_000L;
            assertEquals(0, jibril.stop());
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), "not ready after restart:\n" + jibril.log());
            assertEquals(0, load.waitFor());

            Set<String> before = new HashSet<>();
            for (String line : Files.readAllLines(log)) {
                String[] f = line.split(" ");
                if (Long.parseLong(f[1]) < stoppingAt) {
                    before.add(f[0]);
                }
            }
            assertTrue(before.size() > 20, "the load did not run before the stop: " + before.size());
            Thread.sleep(2_500); // a sweep after the load ended
            List<String> rows = jibril.query("processes", "--exe", exe.getFileName() + "$");
            Set<String> found = new HashSet<>();
            for (String row : rows) {
                found.add(JsonParser.parseString(row).getAsJsonObject().get("args").getAsString());
            }
            Set<String> lost = new HashSet<>(before);
            lost.removeAll(found);
            assertTrue(lost.isEmpty(), lost.size() + " of " + before.size() + " executions before the stop are lost: "
                    + lost + "\nstatus: " + jibril.shell("jibril:status").output() + "\nlog:\n" + jibril.log());
            assertEquals(0, jibril.stop());
        }
    }
}
