package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A process that opened a file before Jibril started is found holding it: procfs seeds the open files of older
 * processes, so "who has this file open" has an answer from the first query on.
 */
class SeededFilesTest {

    @Test
    void aFileOpenedBeforeTheDaemonStartedIsInTheRecord() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            jibril.writeDetectionsConfig("  file-access: 2\n");
            Path held = jibril.dir.resolve("held-before-start.txt");
            Files.writeString(held, "x");
            // Opens the file on descriptor 3 and keeps it, then waits; the daemon is not running yet.
            Process holder = new ProcessBuilder("/bin/bash", "-c", "exec 3<" + held + "; exec sleep 120").start();
            try {
                Thread.sleep(300);
                assertTrue(holder.isAlive());
                jibril.start();
                assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
                String path = held.toRealPath().toString();
                List<String>[] rows = new List[1];
                boolean found = JibrilProcess.waitFor(30_000, () -> {
                    rows[0] = jibril.query("files", "--path", "^" + Pattern.quote(path) + "$");
                    return rows[0].stream().anyMatch(r -> holder(r, holder.pid()));
                });
                assertTrue(found, "the holder " + holder.pid() + " of " + path + " is not in the record: " + rows[0]
                        + "\nprocfs: " + jibril.shell("jibril:status").output().lines()
                                .filter(l -> l.startsWith("procfs")).toList());
                JsonObject row = rows[0].stream().filter(r -> holder(r, holder.pid())).findFirst()
                        .map(r -> JsonParser.parseString(r).getAsJsonObject()).orElseThrow();
                assertTrue(row.getAsJsonArray("actions").toString().contains("open"), row.toString());
                // By its pid too: the data layer's index by pid learns of seeded pairs from file_cursors.
                // (A listener for file observations, the detection engine, keeps that index.)
                boolean byPid = JibrilProcess.waitFor(30_000, () -> jibril.query("files", "--pid",
                        String.valueOf(holder.pid())).stream().anyMatch(r -> r.contains(path)));
                String status = jibril.shell("jibril:status").output();
                assertTrue(byPid, "not found by pid: " + status);
                java.util.regex.Matcher m = Pattern.compile("file_queries_indexed=(\\d+)").matcher(status);
                assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, "not answered from the index: " + status);
                assertEquals(0, jibril.stop());
            } finally {
                holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static boolean holder(String row, long pid) {
        JsonObject o = JsonParser.parseString(row).getAsJsonObject();
        JsonObject p = o.has("process") ? o.getAsJsonObject("process") : o;
        return p.has("pid") && p.get("pid").getAsLong() == pid;
    }
}
