package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Jibril refuses to run without root, and says so: the launcher before it starts anything, and the daemon itself
 * (exit code 69, EX_UNAVAILABLE) when it is started some other way.
 */
class NotRootTest {

    private static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups", "--");

    @Test
    void theLauncherRefusesANonRootUser() throws Exception {
        Process p = new ProcessBuilder(concat(AS_NOBODY, JibrilProcess.ROOT.resolve("bin/jibril").toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("needs root"), out);
    }

    @Test
    void theDaemonRefusesWithoutRootAndSaysWhy() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            Files.setPosixFilePermissions(jibril.dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
            Path jar = JibrilProcess.ROOT.resolve("bndrun/target/jibril.jar");
            ProcessBuilder pb = new ProcessBuilder(concat(AS_NOBODY, java.toString(),
                    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-Dorg.osgi.framework.storage=" + jibril.dir.resolve("cache"),
                    "-Djna.tmpdir=" + jibril.dir.resolve("jna"),
                    "-Djibril.socket=" + jibril.dir.resolve("run/jibril.sock"),
                    "-Djibril.pin.root=" + jibril.pinRoot, "-Djibril.config=" + jibril.config,
                    "-Dfelix.fileinstall.dir=" + jibril.dir.resolve("deploy"), "-jar", jar.toString()))
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Files.setPosixFilePermissions(jibril.config, PosixFilePermissions.fromString("rw-r--r--"));
            Path outFile = jibril.dir.resolve("nobody.out");
            Process p = pb.redirectOutput(outFile.toFile()).start();
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(); // never leave it running, never hang the suite
            }
            String out = Files.readString(outFile);
            assertTrue(exited, "the daemon did not exit without root:\n" + out);
            assertEquals(69, p.exitValue(), out);
            assertTrue(out.contains("root"), out);
        }
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }
}
