package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Reactions on the real daemon: the original product's reaction test recipes
 * ({@code ../shared/compat/jibril-recipes/jibril/tests}, unchanged) fire on real file actions and their js
 * reactions log, keep data, write and read files, make and remove temporary directories and kill the process that
 * unlinked the file; a recipe of our own with js and shell reactions shows their effects (evidence of the running
 * process with verified hashes among them), the sandbox (Java
 * interop, reading a file without the helpers, an endless loop, a heap hog, a shell that overruns with children,
 * killing Jibril or its parent) is stopped or refused and reported, and
 * every run is a {@code reaction} event in the printers, in {@code jibril:events}, {@code jibril:status} and the
 * metrics. A js reaction that does not compile refuses its recipe file with file, line and reason. The netpolicy reactions are not triggered here (they need DNS on port 53 and netpolicy); their helpers'
 * error return without netpolicy is covered by the unit tests.
 */
class ReactionsTest {

    static final Path TESTS = JibrilProcess.ROOT.getParent().resolve("shared/compat/jibril-recipes/jibril/tests");
    static final Path TMP_TESTS = Path.of("/tmp/reactions_tests");
    static final Path TESTFILE = Path.of("/tmp/jibril_testfile");

    private static final String OWN = """
            - name: rx_e2e_probe
              breed: file_access
              mechanism: execution
              importance: low
              file_actions: [execve]
              bases:
                - regex: /rx-e2e-probe$
              reactions:
                - format: js
                  code: |
                    function process(data) {
                      Info("saw " + data.process.exe + " as " + kind + "/" + name + " " + uuid);
                      Info("evidence " + CollectEvidence());
                      WriteFile("%1$s/js-marker", String(data.process.pid));
                      Info("self " + KillProcess(%2$d) + " " + Errno());
                      Info("parent " + KillProcess(%3$d) + " " + Errno());
                      return "js done";
                    }
                - format: shell
                  code: |
                    printf '%%s' "$REACTION_DATA" > %1$s/shell-marker
                    echo "shell in $PWD"
                - format: js
                  code: |
                    function process(data) { Java.type("java.lang.Runtime").getRuntime().exec("touch %1$s/escaped"); }
                - format: js
                  code: |
                    function process(data) { while (true) { } }
                - format: shell
                  code: |
                    echo $$ > %1$s/shell-pgid
                    yes > /dev/null & yes > /dev/null & sleep 60
                - format: js
                  code: |
                    function process(data) { let a = []; for (;;) { a.push(new Uint8Array(1 << 22)); } }
                - format: js
                  code: |
                    function process(data) { Info(load("/etc/shadow")); }
            """;

    @Test
    void compatRecipesAndOurOwnReactRealTriggersAndTheSandboxHolds() throws Exception {
        Path scratch = Files.createTempDirectory("jibril-reactions-");
        boolean madeTmpTests = !Files.exists(TMP_TESTS);
        Path savedTestfile = scratch.resolve("saved-testfile");
        if (Files.exists(TESTFILE)) {
            Files.move(TESTFILE, savedTestfile);
        }
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path recipes = Files.createDirectories(scratch.resolve("recipes"));
            Path state = scratch.resolve("state");
            Path marks = Files.createDirectories(scratch.resolve("marks"));
            // The corpus lives next to the repository (../shared/compat), not in it: without it, say so loudly
            // and test our own reactions only.
            boolean corpus = Files.isDirectory(TESTS);
            if (corpus) {
                for (Path f : Files.list(TESTS).filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    Files.copy(f, recipes.resolve(f.getFileName()));
                }
            } else {
                System.out.println("WARNING: *** the compat reaction recipes " + TESTS + " do not exist: only our "
                        + "own reactions are checked ***");
            }
            List<String> compat = !corpus ? List.of() : List.of("reactions_basics_logging", "reactions_datastore",
                    "reactions_fileops_writefile", "reactions_fileops_tmpdir", "reactions_kill_process",
                    "reactions_tests_kill_parent");
            Files.writeString(jibril.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    cadences:
                      file-access: 1
                    config:
                      plugin: [jibril:hold, jibril:procfs, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%s:interval=200", "jibril:reactions:dir=%s:timeout=3s:workers=4:pid-floor=2"]
                      printer: [jibril:printers:stdout]
                      event: [%s]
                    """.formatted(jibril.healthPort, recipes, state,
                    compat.stream().map(n -> "jibril:detect:" + n).collect(Collectors.joining(", "))));
            jibril.start();
            assertTrue(jibril.awaitReady(90_000), "not ready:\n" + jibril.log());
            long self = jibril.process().pid();
            long parent = ProcessHandle.current().pid();
            Files.writeString(recipes.resolve("own.yaml"), OWN.formatted(marks, self, parent));
            assertTrue(JibrilProcess.waitFor(60_000, () -> {
                String out = shell(jibril, "jibril:recipes");
                return compat.stream().allMatch(out::contains) && out.contains("rx_e2e_probe");
            }), shell(jibril, "jibril:recipes"));
            String listing = shell(jibril, "jibril:recipes");
            assertTrue(listing.contains("0 file(s) refused"), listing);

            // a js reaction that does not compile refuses its file, with where and why
            Path broken = recipes.resolve("broken.yaml");
            Files.writeString(broken, """
                    - name: rx_broken
                      breed: file_access
                      file_actions: [open]
                      bases: [{base: nothing-here}]
                      reactions:
                        - format: js
                          code: |
                            function process(data) {
                              let x = ;
                            }
                    """);
            String where = broken + ":7:";
            assertTrue(JibrilProcess.waitFor(30_000, () -> {
                String out = shell(jibril, "jibril:recipes");
                return out.contains(where) && out.contains("recipe rx_broken: reactions[0].code: line 2: ");
            }), shell(jibril, "jibril:recipes"));
            assertTrue(jibril.log().contains(where), jibril.log());
            Files.delete(broken);

            if (corpus) {
                // --- the compat recipes: unlink the file each one watches
                Files.createDirectories(TMP_TESTS);
                Files.writeString(TMP_TESTS.resolve("fileops.test"), "jibril is awesome");
                for (String base : List.of("logging", "datastore", "fileops", "tmpdir")) {
                    unlinkWith(scratch, "unlinker", base);
                }
                Process killProcess = unlinkAndWait(scratch, "kill_process.sh", "kill_process");
                Process killParent = unlinkAndWait(scratch, "kill_parent.sh", "kill_parent");

                assertTrue(JibrilProcess.waitFor(30_000, () -> jibril.log().contains("size after clear: 0")
                        && jibril.log().contains("rm 0") && jibril.log().contains("tr ok")
                        && jibril.log().contains("reaction reactions_basics_logging[0] (js): error")), jibril.log());
                String log = jibril.log();
                for (String want : List.of("INFO jibril.reactions: reaction reactions_basics_logging[0] (js): reactions_basics",
                        "INFO jibril.reactions: reaction reactions_basics_logging[0] (js): reactions_basics_logging",
                        "WARN jibril.reactions: reaction reactions_basics_logging[0] (js): warn",
                        "ERROR jibril.reactions: reaction reactions_basics_logging[0] (js): error",
                        "reaction reactions_datastore[0] (js): keys: [\"key1\",\"key2\",\"key3\"]",
                        "reaction reactions_fileops_writefile[0] (js): rf ok",
                        "reaction reactions_fileops_writefile[0] (js): mode 0600",
                        "reaction reactions_fileops_tmpdir[0] (js): r ok")) {
                    assertTrue(log.contains(want), "no '" + want + "' in\n" + log);
                }
                for (String recipe : List.of("reactions_datastore", "reactions_fileops_writefile",
                        "reactions_fileops_tmpdir")) {
                    assertFalse(log.contains("ERROR jibril.reactions: reaction " + recipe), log);
                }
                assertEquals("hello, world!", Files.readString(TESTFILE));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(TESTFILE)));
                assertTrue(Files.exists(state.resolve("data/reactions_datastore.json")));
                try (var s = Files.list(state.resolve("tmp"))) {
                    assertEquals(0, s.count(), "temporary directories are removed");
                }
                // the processes that unlinked (their script, an ancestor / the parent) were killed
                assertTrue(killProcess.waitFor(20, TimeUnit.SECONDS), "kill_process.sh still runs\n" + jibril.log());
                assertEquals(137, killProcess.exitValue());
                assertTrue(killParent.waitFor(20, TimeUnit.SECONDS), "kill_parent.sh still runs\n" + jibril.log());
                assertEquals(137, killParent.exitValue());
                assertTrue(jibril.log().contains("reaction reactions_kill_process[0] (js): ok " + killProcess.pid()),
                        jibril.log());

            }

            // --- our own recipe: js and shell effects, and the sandbox
            Path bin = Files.createDirectories(scratch.resolve("bin"));
            Path probe = bin.resolve("rx-e2e-probe");
            // a copy of sleep(1): it lives long enough for its evidence to be collected
            Files.copy(Path.of("/usr/bin/sleep"), probe);
            Process p = new ProcessBuilder(probe.toString(), "6").start();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertTrue(JibrilProcess.waitFor(30_000, () -> reactionNotes(jibril, "rx_e2e_probe").size() == 7),
                    reactionNotes(jibril, "rx_e2e_probe") + "\n" + jibril.log());
            Map<Integer, JsonObject> own = reactionNotes(jibril, "rx_e2e_probe").stream()
                    .collect(Collectors.toMap(n -> n.get("index").getAsInt(), n -> n));
            assertEquals("ok", own.get(0).get("outcome").getAsString(), own.get(0).toString());
            String out0 = own.get(0).get("output").getAsString();
            assertTrue(out0.contains("saw " + probe + " as rx_e2e_probe/rx_e2e_probe"), out0);
            assertTrue(out0.contains("self -1 EPERM: refused: pid " + self + " is Jibril itself"), out0);
            assertTrue(out0.contains("parent -1 EPERM: refused: pid " + parent + " is an ancestor of Jibril"), out0);
            assertTrue(out0.endsWith("returned: js done"), out0);
            Matcher ev = Pattern.compile("info: evidence (\\S+)").matcher(out0);
            assertTrue(ev.find(), out0);
            Path evidence = Path.of(ev.group(1));
            assertTrue(evidence.startsWith(state.resolve("evidence")), evidence.toString());
            Process check = new ProcessBuilder("sha256sum", "-c", "--quiet", "SHA256SUMS").directory(evidence.toFile())
                    .redirectErrorStream(true).start();
            String checked = new String(check.getInputStream().readAllBytes());
            assertEquals(0, check.waitFor(), checked);
            assertEquals(-1L, Files.mismatch(probe, evidence.resolve("exe")), "the binary is kept as it was");
            assertEquals(probe + "\0" + "6\0", Files.readString(evidence.resolve("cmdline")));
            assertEquals(Long.toString(p.pid()), Files.readString(marks.resolve("js-marker")));
            assertEquals("ok", own.get(1).get("outcome").getAsString(), own.get(1).toString());
            JsonObject data = JsonParser.parseString(Files.readString(marks.resolve("shell-marker"))).getAsJsonObject();
            assertEquals(p.pid(), data.getAsJsonObject("process").get("pid").getAsLong());
            assertEquals("failed", own.get(2).get("outcome").getAsString());
            assertFalse(Files.exists(marks.resolve("escaped")), "Java interop escaped the sandbox");
            assertEquals("timed_out", own.get(3).get("outcome").getAsString());
            assertEquals("timed_out", own.get(4).get("outcome").getAsString());
            assertEquals("failed", own.get(5).get("outcome").getAsString());
            assertTrue(own.get(5).get("error").getAsString().startsWith("stopped: allocated more than"),
                    own.get(5).toString());
            assertEquals("failed", own.get(6).get("outcome").getAsString());
            assertFalse(own.get(6).get("output").getAsString().contains("root:"), own.get(6).toString());
            long pgid = Long.parseLong(Files.readString(marks.resolve("shell-pgid")).strip());
            assertFalse(ProcessHandle.allProcesses().anyMatch(h -> pgidOf(h.pid()) == pgid),
                    "what the overrunning shell started is killed with it");

            // the daemon is unharmed, and counted it all
            assertTrue(jibril.process().isAlive());
            assertEquals(200, jibril.httpStatus("/health/ready"));
            String status = shell(jibril, "jibril:status");
            assertTrue(status.contains("timed_out=2") && status.contains("formats=[js, shell]"), status);
            String events = shell(jibril, "jibril:events");
            assertTrue(events.contains("\"kind\":\"reaction\""), events + "\n" + jibril.log());
            assertTrue(metrics(jibril).contains("jibril_reactions_total{outcome=\"timed_out\"} 2"), metrics(jibril));
        } finally {
            for (String name : List.of("kill_process.sh", "kill_parent.sh")) {
                Path pid = scratch.resolve(name + ".sleep");
                if (Files.exists(pid)) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroy);
                }
            }
            Files.deleteIfExists(TESTFILE);
            if (Files.exists(savedTestfile)) {
                Files.move(savedTestfile, TESTFILE);
            }
            Files.deleteIfExists(TMP_TESTS.resolve("fileops.test"));
            if (madeTmpTests) {
                JibrilProcess.delete(TMP_TESTS);
            }
            JibrilProcess.delete(scratch);
        }
    }

    /** Creates /tmp/reactions_tests/BASE.txt and unlinks it with a copy of rm(1) named NAME. */
    private static void unlinkWith(Path scratch, String name, String base) throws Exception {
        Path file = TMP_TESTS.resolve(base + ".txt");
        Files.writeString(file, "jibril-test\n");
        Path rm = scratch.resolve(name);
        if (!Files.exists(rm)) {
            Files.copy(Path.of("/usr/bin/rm"), rm);
        }
        Process p = new ProcessBuilder(rm.toString(), file.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    /** A script named NAME that unlinks /tmp/reactions_tests/BASE.txt and then waits to be killed (60 s). */
    private static Process unlinkAndWait(Path scratch, String name, String base) throws Exception {
        Path file = TMP_TESTS.resolve(base + ".txt");
        Files.writeString(file, "jibril-test\n");
        Path script = scratch.resolve(name);
        // the sleep's pid is written down: it outlives the script that the reaction kills, and is cleaned up after
        Files.writeString(script, "#!/bin/sh\nrm " + file + "\nsleep 60 &\necho $! > " + scratch.resolve(name + ".sleep")
                + "\nwait\n");
        script.toFile().setExecutable(true);
        return new ProcessBuilder(script.toString()).start();
    }

    private static long pgidOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[0].equals("Z") ? -1 : Long.parseLong(f[2]);
        } catch (Exception e) {
            return -1;
        }
    }

    private static List<JsonObject> reactionNotes(JibrilProcess jibril, String recipe) {
        List<JsonObject> out = new ArrayList<>();
        try {
            for (String line : jibril.events()) {
                if (!line.contains("\"kind\":\"reaction\"")) {
                    continue;
                }
                JsonObject e = JsonParser.parseString(line).getAsJsonObject();
                JsonObject note = JsonParser.parseString(e.get("note").getAsString()).getAsJsonObject();
                if (recipe.equals(note.get("recipe").getAsString())) {
                    out.add(note);
                }
            }
        } catch (Exception e) {
            // not there yet
        }
        return out;
    }

    private static String shell(JibrilProcess jibril, String command) {
        try {
            return jibril.shell(command).output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String metrics(JibrilProcess jibril) {
        try {
            var c = (java.net.HttpURLConnection) java.net.URI.create("http://127.0.0.1:" + jibril.healthPort
                    + "/metrics").toURL().openConnection();
            try (var in = c.getInputStream()) {
                return new String(in.readAllBytes());
            }
        } catch (Exception e) {
            return e.toString();
        }
    }
}
