package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * A third-party printer dropped into deploy/ while the daemon runs starts receiving events without a restart;
 * removing its jar unplugs it, and the daemon goes on printing to its other printers.
 */
class DeployPrinterTest {

    private static final Path JAR = Path.of(System.getProperty("jibril.example.printer.jar"));

    @Test
    void aPrinterDroppedIntoDeployGoesLiveAndRemovingItUnplugsIt() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            Path log = jibril.dir.resolve("example.log");

            Files.copy(JAR, jibril.deploy.resolve("example-printer.jar"), StandardCopyOption.REPLACE_EXISTING);
            Path first = uniqueTrue(jibril);
            boolean live = JibrilProcess.waitFor(20_000, () -> {
                run(first);
                return contains(log, first);
            });
            assertTrue(live, "the dropped-in printer never printed " + first + "\n" + jibril.log());
            assertTrue(jibril.shell("lb").output().contains("jibril.example.printer"));

            Files.delete(jibril.deploy.resolve("example-printer.jar"));
            assertTrue(JibrilProcess.waitFor(20_000,
                    () -> !shellOutput(jibril, "lb").contains("jibril.example.printer")),
                    "the printer bundle was not uninstalled");
            Path second = uniqueTrue(jibril);
            run(second);
            assertTrue(JibrilProcess.waitFor(10_000, () -> eventsMention(jibril, second)),
                    "the stdout printer must go on");
            assertTrue(!contains(log, second), "the removed printer still printed");
            assertEquals(0, jibril.stop());
        }
    }

    private static Path uniqueTrue(JibrilProcess jibril) throws Exception {
        Path exe = jibril.dir.resolve("jibril-e2e-" + UUID.randomUUID().toString().substring(0, 8));
        Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
        return exe;
    }

    private static void run(Path exe) {
        try {
            new ProcessBuilder(exe.toString()).start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean contains(Path log, Path exe) {
        try {
            return Files.exists(log) && Files.readString(log).contains(exe.toString());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean eventsMention(JibrilProcess jibril, Path exe) {
        try {
            List<String> events = jibril.events();
            return events.stream().anyMatch(l -> l.contains(exe.toString()));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String shellOutput(JibrilProcess jibril, String command) {
        try {
            return jibril.shell(command).output();
        } catch (Exception e) {
            return "";
        }
    }
}
