package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Bad configuration, end to end: the daemon refuses to start on a broken file with an error that names file,
 * line and field (exit code 78); a key the original product knew but Jibril ignores only warns; a file that
 * breaks while the daemon runs is refused and the daemon keeps running on the last good one.
 */
class ConfigErrorsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed YAML   | 'caches:\\n  tasks: [1, 2\\n'                 | config.yaml:",
            "unknown key      | 'caches:\\n  taskz: 64\\n'                    | caches.taskz",
            "wrong type       | 'cadences:\\n  file-access: often\\n'         | cadences.file-access",
            "out of range     | 'caches:\\n  tasks: 0\\n'                     | caches.tasks",
    })
    void aBrokenFileStopsTheStartWithFileLineAndField(String what, String yaml, String mentions) throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            jibril.writeConfig(yaml.replace("\\n", "\n"));
            jibril.start();
            assertTrue(jibril.process().waitFor(60, TimeUnit.SECONDS), what + ": the daemon did not stop");
            assertEquals(78, jibril.process().exitValue(), what + ":\n" + jibril.log());
            String log = jibril.log();
            assertTrue(log.contains(jibril.config.toString() + ":"), what + ": no file name in\n" + log);
            assertTrue(log.matches("(?s).*config\\.yaml:\\d+.*"), what + ": no line number in\n" + log);
            assertTrue(log.contains(mentions), what + ": '" + mentions + "' not in\n" + log);
        }
    }

    @Test
    void anIgnoredKeyOfTheOriginalOnlyWarns() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            Files.writeString(jibril.config, Files.readString(jibril.config).replace("run-time:\n",
                    "run-time:\n  profiler: true\n"));
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            assertTrue(jibril.log().matches("(?s).*WARN.*run-time\\.profiler.*"), jibril.log());
            assertEquals(0, jibril.stop());
        }
    }

    @Test
    void aFileBrokenWhileRunningIsRefusedAndTheLastGoodStays() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            jibril.writeConfig("caches:\n  tasks: -5\n");
            assertTrue(JibrilProcess.waitFor(10_000, () -> jibril.log().contains("caches.tasks")),
                    "the error was not reported:\n" + jibril.log());
            assertTrue(jibril.process().isAlive(), "a broken file while running must not stop the daemon");
            assertEquals(200, jibril.httpStatus("/health/live"));
            JibrilProcess.Result config = jibril.shell("jibril:config");
            assertEquals(0, config.code(), config.output());
            assertTrue(config.output().contains("caches.tasks"), config.output());
            assertFalse(jibril.log().contains("Exception in"), jibril.log());
            assertEquals(0, jibril.stop());
        }
    }
}
