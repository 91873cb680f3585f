package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The daemon writes its events with the file printer; {@code bin/jibril verify} finds the log intact, then finds a
 * copy with one changed byte altered, a copy without a line reports it removed, and a copy cut short (seal kept)
 * truncated.
 */
class ChainedLogVerifyTest {

    @Test
    void theFilePrintersLogVerifiesAndTamperedCopiesDoNot() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path log = jibril.dir.resolve("chained.json");
            Path key = jibril.dir.resolve("chain.key");
            jibril.start("--printer", "jibril:printers:file:path=" + log + ":chain-key=" + key);
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            Path exe = jibril.dir.resolve("jibril-e2e-" + UUID.randomUUID().toString().substring(0, 8));
            Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
            assertTrue(JibrilProcess.waitFor(20_000, () -> {
                run(exe.toString());
                return mentions(log, exe.toString()) >= 3;
            }), "the file printer never wrote three execs of " + exe + "\n" + jibril.log());
            assertEquals(0, jibril.stop(), jibril.log());

            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            List<String> lines = Files.readAllLines(log);
            Result ok = verify(key, log);
            assertEquals(0, ok.code, ok.out);
            assertEquals("intact: " + lines.size() + " lines, seq 1.." + lines.size() + "\n", ok.out);

            // One changed byte in a copy.
            int middle = lines.size() / 2;
            Path altered = copy(jibril.dir, log, "altered.json");
            List<String> changed = new ArrayList<>(lines);
            String line = changed.get(middle);
            int at = line.indexOf("\"pid\":") + 6;
            changed.set(middle, line.substring(0, at) + (line.charAt(at) == '9' ? '8' : '9') + line.substring(at + 1));
            Files.writeString(altered, String.join("\n", changed) + "\n");
            Result bad = verify(key, altered);
            assertEquals(1, bad.code, bad.out);
            assertTrue(bad.out.startsWith(altered + ":" + (middle + 1) + ": altered: "), bad.out);

            // One line taken out of a copy.
            Path removed = copy(jibril.dir, log, "removed.json");
            List<String> fewer = new ArrayList<>(lines);
            fewer.remove(middle);
            Files.writeString(removed, String.join("\n", fewer) + "\n");
            Result gap = verify(key, removed);
            assertEquals(1, gap.code, gap.out);
            assertTrue(gap.out.startsWith(removed + ":" + (middle + 1) + ": removed: seq " + (middle + 1)), gap.out);

            // A copy cut short, its seal kept.
            Path cut = copy(jibril.dir, log, "cut.json");
            Files.writeString(cut, String.join("\n", lines.subList(0, lines.size() - 1)) + "\n");
            Result truncated = verify(key, cut);
            assertEquals(1, truncated.code, truncated.out);
            assertTrue(truncated.out.startsWith(cut + ":" + lines.size() + ": truncated: "), truncated.out);
        }
    }

    /** Copies the log and its seal under a new name. */
    private static Path copy(Path dir, Path log, String name) throws Exception {
        Path target = dir.resolve(name);
        Files.copy(log, target);
        Files.copy(log.resolveSibling(log.getFileName() + ".seal"), dir.resolve(name + ".seal"));
        return target;
    }

    record Result(int code, String out) {
    }

    private static Result verify(Path key, Path file) throws Exception {
        Process p = new ProcessBuilder(JibrilProcess.ROOT.resolve("bin/jibril").toString(), "verify", "--key",
                key.toString(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private static void run(String exe) {
        try {
            new ProcessBuilder(exe).start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long mentions(Path log, String text) {
        try {
            return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(text)).count() : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
