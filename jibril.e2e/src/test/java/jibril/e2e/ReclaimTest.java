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

    private static long rounds(JibrilProcess jibril) {
        try {
            Matcher m = Pattern.compile("reclaimed=\\{rounds=(\\d+)").matcher(jibril.shell("jibril:status").output());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static long counter(JibrilProcess jibril, String name) {
        try {
            Matcher m = Pattern.compile(name + "=(\\d+)").matcher(jibril.shell("jibril:status").output());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void fullFileMapsAreReclaimedAndNewFactsAreStillRecorded() throws Exception {
        Path scratch = Files.createTempDirectory(Path.of("/var/lib"), "jibril-reclaim-");
        try (JibrilProcess jibril = new JibrilProcess()) {
            // 1024 files, 1024 pairs, 3072 strings: a few thousand opens fill them. The detection engine listens
            // to file observations, so the data layer keeps its index of pairs by pid (dropped by each reclaim).
            jibril.writeDetectionsConfig("  file-access: 1\n");
            jibril.appendConfig("caches:\n  files: 1\n  task-file: 1\n  cmds: 1\n  args: 1\n");
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), jibril.log());
            Path dir = Files.createDirectories(scratch.resolve("fill"));
            for (int round = 0; round < 3; round++) {
                // 30 short-lived processes opening 100 distinct files each
                Process p = new ProcessBuilder("/bin/bash", "-c", "for i in $(seq 1 30); do (for j in $(seq 1 100); do "
                        + ": > " + dir + "/r" + round + "-$i-$j; done) & done; wait").start();
                assertEquals(0, p.waitFor());
                Thread.sleep(2_000);
            }
            // A fact that happened while a map was full is lost (and counted); the probe comes after a reclaim round
            // that started once the load was over.
            long rounds = rounds(jibril);
            assertTrue(JibrilProcess.waitFor(30_000, () -> rounds(jibril) >= rounds + 2), "no reclaim round");
            String status = jibril.shell("jibril:status").output();
            Matcher m = Pattern.compile("reclaimed=\\{rounds=\\d+[^}]*?, pairs=(\\d+), files=(\\d+), flows=\\d+, strings=(\\d+)")
                    .matcher(status);
            assertTrue(m.find(), status);
            assertTrue(Long.parseLong(m.group(1)) > 0 && Long.parseLong(m.group(2)) > 0, "nothing reclaimed:\n" + status);

            // On a busy host the maps fill again within seconds of a round: new facts are recorded between rounds,
            // so one of a series of probes must be found (a daemon that went blind would record none).
            Path probes = Files.createDirectories(scratch.resolve("probes"));
            boolean recorded = false;
            for (int i = 0; i < 30 && !recorded; i++) {
                Files.writeString(probes.resolve("probe-" + i), "x");
                Thread.sleep(1_000);
                recorded = !jibril.query("files", "--path", "/probes/probe-[0-9]+$").isEmpty();
            }
            assertTrue(recorded, "no new fact was recorded after the maps filled:\n" + status);

            // A reclaim drops the files query's index by process (its pairs may be gone) and the next look builds it
            // again: after the rounds, a query by pid finds a live process's new pairs through it (between a drop
            // and the next build a query walks the pairs, so it is asked until one is answered from the index).
            Process writer = new ProcessBuilder("/bin/bash", "-c", "i=0; while :; do echo x > " + probes
                    + "/live-$i; i=$((i+1)); sleep 0.5; done").start();
            try {
                String pid = Long.toString(writer.pid());
                assertTrue(JibrilProcess.waitFor(30_000, () -> {
                    long indexed = counter(jibril, "file_queries_indexed");
                    boolean found = !jibril.query("files", "--pid", pid, "--path", "/probes/live-[0-9]+$").isEmpty();
                    return found && counter(jibril, "file_queries_indexed") > indexed;
                }), "the writer's pairs were not found by its pid through the index:\n"
                        + jibril.shell("jibril:status").output());
            } finally {
                writer.destroy();
                writer.waitFor();
            }
            System.out.printf("[reclaim] pairs %s, files %s, strings %s reclaimed%n", m.group(1), m.group(2),
                    m.group(3));
            assertEquals(0, jibril.stop());
        } finally {
            JibrilProcess.delete(scratch);
        }
    }
}
