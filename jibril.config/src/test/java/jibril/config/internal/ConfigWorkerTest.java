package jibril.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWorkerTest {

    @TempDir
    Path dir;

    /** Records what the worker reports. */
    static final class Recorder implements ConfigWorker.Listener {
        final List<String> lines = new ArrayList<>();
        final List<String> startFailures = new ArrayList<>();

        @Override
        public synchronized void info(String message) {
            lines.add("INFO " + message);
        }

        @Override
        public synchronized void warn(String message) {
            lines.add("WARN " + message);
        }

        @Override
        public synchronized void error(String message) {
            lines.add("ERROR " + message);
        }

        @Override
        public synchronized void startFailed(String reason) {
            startFailures.add(reason);
        }

        synchronized List<String> take() {
            List<String> out = List.copyOf(lines);
            lines.clear();
            return out;
        }
    }

    private final InMemoryStore store = new InMemoryStore();
    private final Recorder recorder = new Recorder();
    private long clock = 1_700_000_000_000L;

    /** Writes the file with a new modification time each time, as an editor would. */
    private void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        clock += 1000;
        Files.setLastModifiedTime(file, FileTime.fromMillis(clock));
    }

    private ConfigWorker worker(Path file) {
        return new ConfigWorker(file, null, Overrides.NONE, store, recorder);
    }

    @Test
    void aValidFileIsAppliedAtStart() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "run-time:\n  log-level: debug\n");
        ConfigWorker w = worker(file);
        assertEquals("starting", w.status().state());
        assertFalse(w.status().ready());

        w.tick();
        ConfigWorker.Status s = w.status();
        assertEquals("ok", s.state());
        assertTrue(s.ready());
        assertEquals(file.toString(), s.file());
        assertEquals(12, s.pids().size());
        assertEquals(List.of(), s.errors());
        assertEquals("debug", store.configs.get("jibril.runtime").get("log.level"));
        assertEquals(file.toString(), store.configs.get("jibril.runtime").get("jibril.source"));
        List<String> log = recorder.take();
        assertEquals(1, log.size(), log::toString);
        assertTrue(log.get(0).startsWith("INFO configuration " + file + " applied: created jibril.runtime, "),
                log.get(0));
        assertEquals(List.of(), recorder.startFailures);
    }

    @Test
    void aChangeIsAppliedOnceSeenTwiceAndOnlyWhatChangedIsWritten() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "run-time:\n  log-level: debug\n");
        ConfigWorker w = worker(file);
        w.tick();
        recorder.take();
        store.writes.clear();

        w.tick();
        assertEquals(List.of(), store.writes, "nothing changed, nothing written");

        write(file, "run-time:\n  log-level: info\n");
        w.tick();
        assertEquals(List.of(), store.writes, "a change is used once seen unchanged on the next poll");
        w.tick();
        assertEquals(List.of("put jibril.runtime"), store.writes);
        assertEquals("info", store.configs.get("jibril.runtime").get("log.level"));
        assertEquals(List.of("INFO configuration " + file + " applied: updated jibril.runtime (log.level: debug ->"
                + " info); 11 unchanged"), recorder.take());

        // touching the file without changing it does nothing
        store.writes.clear();
        Files.setLastModifiedTime(file, FileTime.fromMillis(clock += 1000));
        w.tick();
        w.tick();
        assertEquals(List.of(), store.writes);
        assertEquals(List.of(), recorder.take());
    }

    @Test
    void aFileThatBreaksWhileRunningLeavesTheLastGoodConfigurationInForce() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "config:\n  plugin: [jibril:printers, jibril:netpolicy:file=/a]\n");
        ConfigWorker w = worker(file);
        w.tick();
        Map<String, Map<String, Object>> good = Map.copyOf(store.configs);
        recorder.take();
        store.writes.clear();

        write(file, "config:\n  plugin: [jibril:printers]\ncaches:\n  tasks: 0\n");
        w.tick();
        w.tick();
        assertEquals(List.of(), store.writes, "nothing touched");
        assertEquals(good, store.configs);
        ConfigWorker.Status s = w.status();
        assertEquals("error", s.state());
        assertTrue(s.ready(), "the last good configuration is still in force");
        assertEquals(List.of(file + ":4:10: caches.tasks: 0 is out of range (expected 1..65536)"), s.errors());
        assertEquals(List.of("ERROR " + file + ":4:10: caches.tasks: 0 is out of range (expected 1..65536)",
                "ERROR configuration " + file + " has 1 error; the last good configuration stays in force"),
                recorder.take());
        assertEquals(List.of(), recorder.startFailures, "a broken change never stops the daemon");
        assertTrue(s.pids().contains("jibril.plugin.netpolicy"));

        // the same broken content is not reported again on every poll
        w.tick();
        w.tick();
        assertEquals(List.of(), recorder.take());

        // a YAML syntax error too
        write(file, "config:\n  plugin: [jibril:printers\n");
        w.tick();
        w.tick();
        assertEquals(good, store.configs);
        assertTrue(w.status().errors().get(0).startsWith(file + ":3:1: YAML syntax error"), w.status()::toString);

        // fixed: applied
        write(file, "config:\n  plugin: [jibril:printers]\n");
        w.tick();
        w.tick();
        assertEquals("ok", w.status().state());
        assertEquals(List.of(), w.status().errors());
        assertFalse(store.configs.containsKey("jibril.plugin.netpolicy"));
        assertEquals(List.of("delete jibril.plugin.netpolicy"), store.writes);
    }

    @Test
    void anInvalidFileAtStartIsAStartFailureAndNothingIsApplied() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "run-time:\n  log-level: loud\n");
        ConfigWorker w = worker(file);
        w.tick();
        assertEquals(Map.of(), store.configs);
        assertEquals(List.of("configuration " + file + " is not usable (1 error): " + file
                + ":2:14: run-time.log-level: \"loud\" is not a log level (expected one of quiet, fatal, error, warn,"
                + " info, debug)"), recorder.startFailures);
        assertTrue(w.failedAtStart());
        assertEquals("error", w.status().state());
        assertFalse(w.status().ready());
        assertNull(w.status().applied());

        // without a Daemon to stop, the worker goes on, and applies the file once it is fixed
        write(file, "run-time:\n  log-level: warning\n");
        w.tick();
        w.tick();
        assertEquals("warn", store.configs.get("jibril.runtime").get("log.level"));
        assertFalse(w.failedAtStart());
        assertTrue(w.status().ready());
    }

    @Test
    void aMissingFileAtStartIsAStartFailure() {
        Path file = dir.resolve("nope.yaml");
        ConfigWorker w = worker(file);
        w.tick();
        assertEquals(List.of("configuration " + file + " is not usable (1 error): " + file
                + ": cannot read the file: it does not exist"), recorder.startFailures);
        assertTrue(w.failedAtStart());
    }

    @Test
    void aFileThatGoesAwayKeepsTheConfigurationAndIsPickedUpWhenBack() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "");
        ConfigWorker w = worker(file);
        w.tick();
        recorder.take();
        Files.delete(file);
        w.tick();
        w.tick();
        assertEquals(List.of("WARN " + file + " is gone; the configuration in force stays until it is back"),
                recorder.take());
        assertEquals(12, store.configs.size());
        assertEquals("ok", w.status().state());
        write(file, "run-time:\n  health: false\n");
        w.tick();
        w.tick();
        assertEquals(false, store.configs.get("jibril.runtime").get("health.enabled"));
        assertEquals("INFO " + file + " is back", recorder.take().get(0));
    }

    @Test
    void aConfigMapStyleSymlinkSwapIsSeen() throws IOException {
        Path v1 = Files.createDirectory(dir.resolve("..v1"));
        Path v2 = Files.createDirectory(dir.resolve("..v2"));
        write(v1.resolve("config.yaml"), "cadences:\n  env-vars: 5\n");
        write(v2.resolve("config.yaml"), "cadences:\n  env-vars: 7\n");
        Files.setLastModifiedTime(v2.resolve("config.yaml"), Files.getLastModifiedTime(v1.resolve("config.yaml")));
        Path data = dir.resolve("..data");
        Files.createSymbolicLink(data, v1.getFileName());
        Path file = dir.resolve("config.yaml");
        Files.createSymbolicLink(file, Path.of("..data/config.yaml"));

        ConfigWorker w = worker(file);
        w.tick();
        assertEquals(5, store.configs.get("jibril.cadences").get("env.vars"));

        // atomic swap of ..data, as the kubelet does: same size, same modification time, other inode
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, v2.getFileName());
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        w.tick();
        w.tick();
        assertEquals(7, store.configs.get("jibril.cadences").get("env.vars"));
    }

    @Test
    void sameSizeSameTimeRewritesAreFoundByTheContentHash() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "cadences:\n  env-vars: 5\n");
        ConfigWorker w = worker(file);
        w.tick();
        FileTime t = Files.getLastModifiedTime(file);
        Files.writeString(file, "cadences:\n  env-vars: 6\n");
        Files.setLastModifiedTime(file, t);
        for (int i = 0; i < 25; i++) {
            w.tick();
        }
        assertEquals(6, store.configs.get("jibril.cadences").get("env.vars"));
    }

    @Test
    void theEmbeddedDefaultIsUsedWithoutAFileAndGivesWayToTheDefaultFileWhenItAppears() throws IOException {
        Path etc = dir.resolve("etc-config.yaml");
        ConfigWorker w = ConfigWorker.choose(null, etc, Overrides.NONE, store, recorder);
        w.tick();
        assertEquals("embedded", w.status().file());
        assertEquals("ok", w.status().state());
        ConfigParserTest.assertConfigurations(ConfigParserTest.expectedDefault("embedded"), ordered(store));
        assertTrue(recorder.take().get(0).startsWith("INFO configuration embedded:jibril/config/default-config.yaml"
                + " applied: created "));

        w.tick();
        assertEquals(List.of(), recorder.take());

        write(etc, "run-time:\n  log-level: debug\n");
        w.tick();
        assertEquals(etc.toString(), w.status().file());
        assertEquals("debug", store.configs.get("jibril.runtime").get("log.level"));
        assertEquals(etc.toString(), store.configs.get("jibril.plugin.hold").get("jibril.source"));
        assertEquals("INFO " + etc + " appeared: using it instead of the embedded default configuration",
                recorder.take().get(0));
    }

    @Test
    void chooseTakesThePropertyThenTheDefaultFileThenTheEmbeddedDefault() throws IOException {
        Path etc = dir.resolve("etc-config.yaml");
        assertEquals("embedded", ConfigWorker.choose(" ", etc, Overrides.NONE, store, recorder).status().file());
        write(etc, "");
        assertEquals(etc.toString(), ConfigWorker.choose(null, etc, Overrides.NONE, store, recorder).status()
                .file());
        Path other = dir.resolve("other.yaml");
        assertEquals(other.toString(), ConfigWorker.choose(other.toString(), etc, Overrides.NONE, store, recorder)
                .status().file());
    }

    @Test
    void overridesAreAppliedToEveryLoad() throws IOException {
        Path file = dir.resolve("config.yaml");
        write(file, "run-time:\n  log-level: error\n");
        Overrides o = Overrides.from(Map.of("jibril.log-level", "debug", "jibril.printers",
                "jibril:printers:varlog")::get);
        ConfigWorker w = new ConfigWorker(file, null, o, store, recorder);
        w.tick();
        assertEquals("debug", store.configs.get("jibril.runtime").get("log.level"));
        assertTrue(store.configs.containsKey("jibril.printer.varlog~varlog"));
    }

    @Test
    void invalidUtf8IsAnError() throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.write(file, new byte[] { 'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n' });
        ConfigWorker w = worker(file);
        w.tick();
        assertEquals(List.of(file + ": the file is not valid UTF-8 text"), w.status().errors());
        assertEquals(1, recorder.startFailures.size());
    }

    @Test
    void theThreadPollsAndStopsPromptly() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "run-time:\n  log-level: debug\n");
        ConfigWorker w = worker(file);
        w.start(20);
        try {
            waitFor(() -> w.status().ready());
            write(file, "run-time:\n  log-level: quiet\n");
            waitFor(() -> "quiet".equals(store.get("jibril.runtime").get("log.level")));
        } finally {
            long t0 = System.nanoTime();
            assertTrue(w.stop(5000));
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "stops without waiting out the poll");
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out at " + Instant.now());
            }
            Thread.sleep(10);
        }
    }

    private static Map<String, Map<String, Object>> ordered(InMemoryStore store) {
        Map<String, Map<String, Object>> out = new java.util.LinkedHashMap<>();
        for (String pid : ConfigParserTest.expectedDefault("embedded").keySet()) {
            out.put(pid, store.configs.get(pid));
        }
        out.putAll(store.configs);
        return out;
    }
}
