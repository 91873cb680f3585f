package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The whole path of one fact: bin/jibril starts the daemon, a uniquely named binary runs, its exec event is
 * printed as JSON with the right exe, args, pid and parent; the shell answers; SIGTERM stops the daemon with exit
 * code 0 and leaves no program attached, while the pinned maps stay until bin/jibril cleanup.
 */
class ExecEventTest {

    @Test
    void anExecIsPrintedAndTheDaemonStopsCleanly() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "daemon not ready:\n" + jibril.log());

            Path exe = jibril.dir.resolve("jibril-e2e-" + UUID.randomUUID().toString().substring(0, 8));
            Files.copy(Path.of("/bin/sleep"), exe, StandardCopyOption.COPY_ATTRIBUTES);
            // A shell runs it, so its parent is a known process other than this JVM.
            Process sh = new ProcessBuilder("/bin/sh", "-c", exe + " 0.2 --marker; echo $!").start();
            assertEquals(0, sh.waitFor());
            long shPid = sh.pid();

            JsonObject event = JibrilProcess.waitFor(10_000, () -> find(jibril, exe) != null) ? find(jibril, exe) : null;
            assertNotNull(event, "no exec event for " + exe + "; log:\n" + jibril.log());
            JsonObject proc = event.getAsJsonObject("process");
            assertEquals(exe.toString(), proc.get("exe").getAsString());
            assertEquals("0.2 --marker", proc.get("args").getAsString());
            assertEquals(exe + " 0.2 --marker", proc.get("cmd").getAsString());
            assertEquals(0, proc.get("uid").getAsInt());
            // sh -c with a single command execs it in place (dash does), or forks it: the parent is sh either way,
            // or sh itself is the process.
            long pid = proc.get("pid").getAsLong();
            long ppid = proc.get("ppid").getAsLong();
            assertTrue(pid == shPid || ppid == shPid, "pid " + pid + " ppid " + ppid + " sh " + shPid);
            assertEquals("execution", event.getAsJsonObject("metadata").get("kind").getAsString());
            assertEquals("exec", event.getAsJsonObject("metadata").get("name").getAsString());
            assertFalse(event.getAsJsonObject("background").getAsJsonArray("ancestry").isEmpty());
            assertTrue(event.get("timestamp").getAsString().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"));

            // The shell answers with data, and the daemon has outlived its closed stdin.
            JibrilProcess.Result status = jibril.shell("jibril:status");
            assertEquals(0, status.code(), status.output());
            assertTrue(status.output().contains("attached"), status.output());
            assertTrue(status.output().matches("(?s).*procfs\\s+\\[seeded=[1-9].*"), "procfs did not seed:\n" + status.output());
            List<Integer> ids = programIds(status.output());
            // tasks (3 programs), files and net (dozens): every one must be gone after the stop.
            assertTrue(ids.size() > 3, "program ids in status: " + status.output());
            assertTrue(jibril.process().isAlive());
            assertEquals(1, jibril.shell("no:such:command").code());

            assertEquals(0, jibril.stop(), "exit code after SIGTERM; log:\n" + jibril.log());
            for (int id : ids) {
                Process show = new ProcessBuilder("bpftool", "prog", "show", "id", Integer.toString(id)).start();
                assertTrue(show.waitFor() != 0, "program " + id + " is still loaded");
            }
            // And by name: no jibril_ program that uses this daemon's maps (other daemons may run on the host).
            String tasksMap = new String(new ProcessBuilder("bpftool", "map", "show", "pinned",
                    jibril.pinRoot.resolve("tasks").toString()).start().getInputStream().readAllBytes()).strip();
            String mapId = tasksMap.substring(0, tasksMap.indexOf(':'));
            String progs = new String(new ProcessBuilder("bpftool", "prog", "show").start().getInputStream()
                    .readAllBytes());
            for (String block : progs.split("\n(?=\\d+: )")) {
                boolean ours = block.contains("name jibril_") && java.util.regex.Pattern
                        .compile("map_ids [0-9,]*\\b" + mapId + "\\b").matcher(block).find();
                assertFalse(ours, "a jibril program of this daemon is still loaded:\n" + block);
            }
            assertTrue(Files.exists(jibril.pinRoot.resolve("tasks")), "pinned maps must survive a stop");

            ProcessBuilder cleanup = new ProcessBuilder(JibrilProcess.ROOT.resolve("bin/jibril").toString(), "cleanup")
                    .redirectErrorStream(true);
            cleanup.environment().putAll(jibril.env());
            assertEquals(0, cleanup.start().waitFor());
            assertFalse(Files.exists(jibril.pinRoot), "bin/jibril cleanup left " + jibril.pinRoot);
        }
    }

    private static JsonObject find(JibrilProcess jibril, Path exe) {
        try {
            for (String line : jibril.events()) {
                if (line.contains(exe.getFileName().toString())) {
                    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                    if (exe.toString().equals(o.getAsJsonObject("process").get("exe").getAsString())) {
                        return o;
                    }
                }
            }
            return null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static List<Integer> programIds(String status) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = Pattern.compile("id=(\\d+)|\"id\"\\s*:\\s*(\\d+)|id\\s+(\\d+)").matcher(status);
        while (m.find()) {
            for (int g = 1; g <= 3; g++) {
                if (m.group(g) != null) {
                    ids.add(Integer.parseInt(m.group(g)));
                }
            }
        }
        return ids;
    }
}
