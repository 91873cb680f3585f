package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * A long-running daemon on a busy host does not go blind: when the file maps fill up, what was already reported
 * (pairs of processes that exited, files and strings nothing refers to) is reclaimed, counted, and new facts are
 * recorded again.
 */
class ReclaimTest {

    @Test
    void fullFileMapsAreReclaimedAndNewFactsAreStillRecorded() throws Exception {
        Path scratch = Files.createTempDirectory(Path.of("/var/lib"), "jibril-reclaim-");
        try (JibrilProcess jibril = new JibrilProcess()) {
            // 1024 files, 1024 pairs, 3072 strings: a few thousand opens fill them
            jibril.writeConfig("cadences:\n  file-access: 1\ncaches:\n  files: 1\n  task-file: 1\n  cmds: 1\n"
                    + "  args: 1\n");
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), jibril.log());
            Path dir = Files.createDirectories(scratch.resolve("fill"));
            for (int round = 0; round < 3; round++) {
                // 30 short-lived processes opening 100 distinct files each
                Process p = new ProcessBuilder("/bin/bash", "-c", "for i in $(seq 1 30); do (for j in $(seq 1 100); do "
                        + ": > " + dir + "/r" + round + "-$i-$j; done) & done; wait").start();
                assertEquals(0, p.waitFor());
                Thread.sleep(6_000); // a reclaim round (every 5 s)
            }
            String status = jibril.shell("jibril:status").output();
            Matcher m = Pattern.compile("reclaimed=\\{rounds=\\d+, pairs=(\\d+), files=(\\d+), flows=\\d+, strings=(\\d+)")
                    .matcher(status);
            assertTrue(m.find(), status);
            assertTrue(Long.parseLong(m.group(1)) > 0 && Long.parseLong(m.group(2)) > 0, "nothing reclaimed:\n" + status);

            Path probe = scratch.resolve("after-reclaim-probe");
            Files.writeString(probe, "x");
            assertTrue(JibrilProcess.waitFor(15_000, () -> !jibril.query("files", "--path", probe + "$").isEmpty()),
                    "a new fact after the maps filled was not recorded:\n" + status);
            System.out.printf("[reclaim] pairs %s, files %s, strings %s reclaimed%n", m.group(1), m.group(2),
                    m.group(3));
            assertEquals(0, jibril.stop());
        } finally {
            JibrilProcess.delete(scratch);
        }
    }
}
