package jibril.reactions.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jibril.core.api.Event;
import jibril.core.api.Reaction;

/** The js runner's engine: globals, helpers wiring, validation and the sandbox. */
class JsEngineTest {

    @TempDir
    static Path dir;
    static JsEngine js;
    static Options options;

    @BeforeAll
    static void start() {
        options = Fixtures.options(dir);
        js = new JsEngine(options);
    }

    @AfterAll
    static void stop() {
        js.close();
    }

    static String run(String code, Duration limit, List<String> log) throws Exception {
        Reaction r = new Reaction("probe_recipe", 0, "js", code);
        Event e = Fixtures.event(999_999_999L, 999_999_998L);
        Helpers h = new Helpers(r, e, options, new DataStore(options.dataDir()), () -> null,
                new KillGuard(500, new Libc()), (level, msg) -> log.add(level + ": " + msg));
        return js.run(r, e, EventJson.of(e), limit, h);
    }

    static String run(String code) throws Exception {
        return run(code, Duration.ofSeconds(5), Fixtures.lines());
    }

    @Test
    void globalsDataAndLogging() throws Exception {
        List<String> log = Fixtures.lines();
        String out = run("""
                function process(data) {
                  Info(kind, name, uuid.slice(-6));
                  Info(data.file.file, data.process.pid, data.metadata.name);
                  Warn("warn"); Error("error");
                  return "done";
                }""", Duration.ofSeconds(5), log);
        assertEquals(List.of("info: file_access probe_recipe abcdef",
                "info: /tmp/reactions_tests/x.txt 999999999 probe_recipe", "warn: warn", "error: error"), log);
        assertTrue(out.endsWith("returned: done"), out);
    }

    @Test
    void errorStillConstructsErrors() throws Exception {
        String out = run("""
                function process(data) {
                  try { throw new Error("boom"); } catch (e) { Info(e instanceof Error, e.message); }
                  try { null.x; } catch (e) { Info(e instanceof Error, e instanceof TypeError); }
                }""");
        assertEquals("info: true boom\ninfo: true true\n", out);
    }

    @Test
    void validateNamesTheProblem() {
        js.validate("function process(data) { Info('x'); }");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> js.validate("function proc(data) {}"));
        assertTrue(missing.getMessage().contains("must define function process(data)"), missing.getMessage());
        IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
                () -> js.validate("function process(data) {\n  let x = ;\n}"));
        assertTrue(syntax.getMessage().contains("line 2"), syntax.getMessage());
        IllegalArgumentException loop = assertThrows(IllegalArgumentException.class,
                () -> js.validate("while (true) {}\nfunction process(data) {}"));
        assertTrue(loop.getMessage().contains("top level"), loop.getMessage());
    }

    @Test
    void noJavaInterop() {
        for (String attempt : List.of("Java.type('java.lang.Runtime').getRuntime().exec('id')",
                "Polyglot.eval('js', '1')", "Packages.java.lang.System.exit(1)",
                "java.lang.System.exit(1)", "Polyglot.import('x')")) {
            Exception e = assertThrows(Exception.class, () -> run("function process(d) { " + attempt + "; }"),
                    attempt);
            assertTrue(e instanceof IllegalStateException, attempt + ": " + e);
        }
    }

    @Test
    void noFileAccessOutsideTheHelpers() throws Exception {
        for (String attempt : List.of("load('/etc/hostname')", "read('/etc/hostname')",
                "readFully('/etc/hostname')", "require('fs').readFileSync('/etc/hostname')",
                "new Worker('x.js')", "quit()")) {
            Exception e = assertThrows(Exception.class, () -> run("function process(d) { " + attempt + "; }"),
                    attempt);
            assertTrue(e instanceof IllegalStateException, attempt + ": " + e);
        }
        // the helper is the way out, and it works
        Path f = Files.writeString(dir.resolve("readable"), "ok");
        assertEquals("info: ok\n", run("function process(d) { Info(ReadFile('" + f + "')); }"));
    }

    @Test
    void infiniteLoopIsStoppedByTheTimeLimit() {
        long t0 = System.nanoTime();
        TimeoutException e = assertThrows(TimeoutException.class,
                () -> run("function process(d) { while (true) { } }", Duration.ofMillis(700), Fixtures.lines()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "took " + ms + " ms: " + e.getMessage());
    }

    @Test
    void statementLimitStopsARunawayLoop() {
        JsEngine small = new JsEngine(new Options(Duration.ofSeconds(30), 1, 1, 500, dir, 10_000, 1024, 128L << 20));
        try {
            Reaction r = new Reaction("probe_recipe", 0, "js", "function process(d) { for (;;) { let x = 1; } }");
            Event ev = Fixtures.event(999_999_999L, 1);
            Helpers h = new Helpers(r, ev, options, new DataStore(dir), () -> null, new KillGuard(500, new Libc()),
                    (l, m) -> { });
            TimeoutException e = assertThrows(TimeoutException.class,
                    () -> small.run(r, ev, EventJson.of(ev), Duration.ofSeconds(30), h));
            assertEquals("stopped: ran past the statement limit (10000)", e.getMessage());
        } finally {
            small.close();
        }
    }

    @Test
    void hugeAllocationsFailInsteadOfTakingTheDaemon() {
        for (String attempt : List.of("'x'.repeat(2 ** 31)", "new Array(2 ** 32)", "new ArrayBuffer(2 ** 40)",
                "let a = []; for (;;) { a.push('x'.repeat(1 << 20) + a.length); }")) {
            Exception e = assertThrows(Exception.class,
                    () -> run("function process(d) { " + attempt + "; }", Duration.ofSeconds(3), Fixtures.lines()),
                    attempt);
            assertTrue(e instanceof IllegalStateException || e instanceof TimeoutException, attempt + ": " + e);
        }
    }

    @Test
    void theMemoryBudgetStopsAHeapHog() {
        long t0 = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(
                "function process(d) { let a = []; for (;;) { a.push(new Uint8Array(1 << 22)); } }",
                Duration.ofSeconds(30), Fixtures.lines()));
        assertEquals("stopped: allocated more than " + (128L << 20) + " bytes", e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000);
    }

    @Test
    void aWarmRunCostsMilliseconds() throws Exception {
        String code = "function process(d) { Info(d.process.comm); DataSet('k', 'v'); }";
        for (int i = 0; i < 30; i++) {
            run(code);
        }
        int n = 200;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            run(code);
        }
        double ms = (System.nanoTime() - t0) / 1e6 / n;
        System.out.printf("js reaction, warm: %.2f ms per run (fresh context on the shared engine)%n", ms);
        // a sanity bound, not a benchmark: far below the second a cold engine costs, with room for a busy machine
        assertTrue(ms < 250, ms + " ms per run");
    }
}
