package jibril.printers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jibril.cli.Verify;

/**
 * The chain the file printers write, checked by the verifier of {@code bin/jibril verify}: intact logs pass, and a
 * changed byte, a deleted line, a swapped pair and a cut file are each found and named, also across rotations and
 * restarts.
 */
class ChainedLogTest {

    @TempDir
    Path dir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        long millis = Instant.parse("2026-11-25T10:00:00Z").toEpochMilli();

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private final TestClock clock = new TestClock();

    private Path key() throws IOException {
        return dir.resolve("etc/chain.key");
    }

    private ChainedLog open(Path file, long maxBytes, Duration maxAge, int keep) throws IOException {
        ChainKey.Loaded k = ChainKey.loadOrCreate(key());
        return new ChainedLog(new ChainedLog.Settings(file, maxBytes, maxAge, keep), new Chain(k.key()), clock,
                warnings::add);
    }

    private static String event(int i) {
        return "{\"uuid\":\"e-" + i + "\",\"note\":\"event number " + i + "\",\"process\":{\"pid\":" + (1000 + i)
                + "}}";
    }

    private Path write(String name, int n) throws IOException {
        return write(name, n, 0);
    }

    private Path write(String name, int n, int shift) throws IOException {
        Path file = dir.resolve(name);
        try (ChainedLog log = open(file, 0, Duration.ZERO, 10)) {
            for (int i = 1; i <= n; i++) {
                log.append(event(i + shift));
                if (i % 7 == 0) {
                    log.flush();
                }
            }
        }
        return file;
    }

    private Verify.Report verify(Path... files) throws IOException {
        byte[] key = java.util.HexFormat.of().parseHex(Files.readString(key()).strip());
        return Verify.verify(key, List.of(files));
    }

    private static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file));
    }

    private static void rewrite(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n");
    }

    @Test
    void anUntouchedLogIsIntactAndEveryLineIsItsEventPlusTheChain() throws Exception {
        Path file = write("events.json", 20);
        Verify.Report r = verify(file);
        assertTrue(r.intact(), r.message());
        assertEquals("intact: 20 lines, seq 1..20", r.message());
        assertEquals(List.of(), r.notes());
        String first = lines(file).get(0);
        assertTrue(first.startsWith(event(1).substring(0, event(1).length() - 1) + ",\"chain\":{\"seq\":1,\"prev\":\""
                + Chain.GENESIS + "\",\"mac\":\""), first);
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(first).getAsJsonObject();
        assertEquals("e-1", o.get("uuid").getAsString());
        assertEquals(1, o.getAsJsonObject("chain").get("seq").getAsLong());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Seal.of(file))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key())));
    }

    @Test
    void aChangedByteIsAnAlteredLine() throws Exception {
        Path file = write("events.json", 20);
        List<String> l = lines(file);
        l.set(11, l.get(11).replace("event number 12", "event number 13"));
        rewrite(file, l);
        Verify.Report r = verify(file);
        assertFalse(r.intact());
        assertEquals(file + ":12: altered: its content does not match its mac (seq 12 was changed after it was written)",
                r.message());

        // Any single byte, anywhere: flip one at random positions and every time the check fails.
        Path clean = write("clean.json", 20);
        byte[] original = Files.readAllBytes(clean);
        Random random = new Random(7);
        for (int t = 0; t < 50; t++) {
            byte[] b = original.clone();
            int at = random.nextInt(b.length);
            b[at] = (byte) (b[at] == 'x' ? 'y' : 'x');
            if (b[at] == original[at]) {
                continue;
            }
            Path copy = dir.resolve("flip.json");
            Files.write(copy, b);
            Verify.Report f = verify(copy);
            assertFalse(f.intact(), "byte " + at + " changed, yet: " + f.message());
        }
    }

    @Test
    void aDeletedLineIsReportedAsRemoved() throws Exception {
        Path file = write("events.json", 20);
        List<String> l = lines(file);
        l.remove(4);
        rewrite(file, l);
        Verify.Report r = verify(file);
        assertFalse(r.intact());
        assertEquals(file + ":5: removed: seq 5 is missing before this line (" + file + ":5 holds seq 6)", r.message());
    }

    @Test
    void aSwappedPairIsReportedAsReordered() throws Exception {
        Path file = write("events.json", 20);
        List<String> l = lines(file);
        Collections.swap(l, 8, 9);
        rewrite(file, l);
        Verify.Report r = verify(file);
        assertFalse(r.intact());
        assertEquals(file + ":9: reordered: it holds seq 10 where seq 9 was expected (seq 9 is at " + file + ":10)",
                r.message());
    }

    @Test
    void aCutFileIsReportedAsTruncatedThanksToItsSeal() throws Exception {
        Path file = write("events.json", 20);
        List<String> l = lines(file);
        rewrite(file, l.subList(0, 17));
        Verify.Report r = verify(file);
        assertFalse(r.intact());
        assertEquals(file + ":18: truncated: the file ends at seq 17 but its seal says seq 20 was written: lines were "
                + "cut from its end", r.message());

        // Cut in the middle of a line.
        Path other = write("other.json", 5);
        byte[] b = Files.readAllBytes(other);
        Files.write(other, java.util.Arrays.copyOf(b, b.length - 10));
        Verify.Report m = verify(other);
        assertEquals(other + ":5: truncated: the last line is incomplete (the file was cut in the middle of a line)",
                m.message());

        // Without its seal a cut at a line boundary cannot be seen; verify says so rather than pretend.
        Files.delete(Seal.of(file));
        Verify.Report unsealed = verify(file);
        assertTrue(unsealed.intact(), unsealed.message());
        assertTrue(unsealed.notes().get(0).contains("has no seal"), unsealed.notes().toString());
    }

    @Test
    void aLineFromAnotherChainWithTheSameKeyDoesNotLink() throws Exception {
        Path a = write("a.json", 5);
        Path b = write("b.json", 5, 100);
        List<String> la = lines(a);
        la.set(2, lines(b).get(2));
        rewrite(a, la);
        Verify.Report r = verify(a);
        assertFalse(r.intact());
        assertTrue(r.message().startsWith(a + ":3: altered: it does not link to the line before it"), r.message());
    }

    @Test
    void rotationBySizeKeepsTheChainAcrossFilesAndVerifyFindsAMissingOne() throws Exception {
        Path file = dir.resolve("log/jibril.log");
        try (ChainedLog log = open(file, 2_000, Duration.ZERO, 100)) {
            for (int i = 1; i <= 100; i++) {
                log.append(event(i));
                log.flush();
            }
        }
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.list(file.getParent())) {
            s.filter(p -> !p.toString().endsWith(".seal")).forEach(all::add);
        }
        assertTrue(all.size() > 5, "rotated files: " + all);
        for (Path p : all) {
            assertTrue(Files.size(p) <= 2_000, p + " has " + Files.size(p) + " bytes");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
            assertTrue(Files.exists(Seal.of(p)), "no seal for " + p);
            String name = p.getFileName().toString();
            assertTrue(name.equals("jibril.log") || name.matches("jibril-\\d{8}T\\d{6}\\.\\d{3}Z-\\d{12}\\.log"), name);
        }
        Collections.shuffle(all, new Random(3));
        Verify.Report r = verify(all.toArray(Path[]::new));
        assertEquals("intact: 100 lines, seq 1..100", r.message());

        // The first line of each file links to the last line of the previous one: drop a middle file and it shows.
        List<Path> sorted = all.stream().sorted().toList(); // rotated files by name (time, first seq), then jibril.log
        Path gone = sorted.get(2);
        List<Path> rest = new ArrayList<>(all);
        rest.remove(gone);
        Verify.Report missing = verify(rest.toArray(Path[]::new));
        assertFalse(missing.intact());
        assertTrue(missing.message().contains(": removed: seq ") && missing.message().contains(" missing between "),
                missing.message());
    }

    @Test
    void rotationByAgeAndRetention() throws Exception {
        Path file = dir.resolve("log/jibril.log");
        try (ChainedLog log = open(file, 0, Duration.ofHours(1), 2)) {
            for (int i = 1; i <= 5; i++) {
                log.append(event(i));
                log.flush();
                clock.millis += Duration.ofMinutes(61).toMillis();
            }
            assertEquals(4L, log.status().get("rotations"));
            assertEquals(2, log.rotated().size(), "retention keeps 2: " + log.rotated());
        }
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(6, s.count(), "jibril.log, 2 rotated files and their seals");
        }
        ChainedLog reopened = open(file, 0, Duration.ofHours(1), 2);
        List<Path> kept = new ArrayList<>(reopened.rotated());
        reopened.close();
        kept.add(file);
        // The oldest files are gone, so the chain starts at seq 3; what remains links up.
        assertEquals("intact: 3 lines, seq 3..5", verify(kept.toArray(Path[]::new)).message());
    }

    @Test
    void aRestartGoesOnWithTheChain() throws Exception {
        Path file = write("events.json", 10);
        try (ChainedLog log = open(file, 0, Duration.ZERO, 10)) {
            assertEquals(10, log.head().seq());
            log.append(event(11));
        }
        assertEquals("intact: 11 lines, seq 1..11", verify(file).message());

        // After a rotation and a restart with an empty new file, it goes on from the newest rotated file.
        Path rotating = dir.resolve("r/jibril.log");
        try (ChainedLog log = open(rotating, 1, Duration.ZERO, 10)) {
            log.append(event(1));
            log.append(event(2));
        }
        Files.delete(rotating);
        Files.deleteIfExists(Seal.of(rotating));
        try (ChainedLog log = open(rotating, 1, Duration.ZERO, 10)) {
            assertEquals(1, log.head().seq());
        }
    }

    @Test
    void linesCutWhileTheDaemonWasStoppedStayVisibleAfterTheRestart() throws Exception {
        Path file = write("events.json", 10);
        rewrite(file, lines(file).subList(0, 6));
        try (ChainedLog log = open(file, 0, Duration.ZERO, 10)) {
            assertEquals(10, log.head().seq(), "the seal's last seq, not the cut file's");
            log.append(event(11));
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains("lines were removed from its end")), warnings.toString());
        Verify.Report r = verify(file);
        assertFalse(r.intact());
        assertEquals(file + ":7: removed: seq 7..10 are missing before this line (" + file + ":7 holds seq 11)",
                r.message());
    }

    @Test
    void aFileWithForeignLinesIsWrittenToButTheLinesAreReported() throws Exception {
        Path file = dir.resolve("mixed.json");
        Files.writeString(file, "{\"uuid\":\"not-chained\"}\n");
        try (ChainedLog log = open(file, 0, Duration.ZERO, 10)) {
            log.append(event(1));
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains("holds lines without a chain")), warnings.toString());
        assertEquals(file + ":1: altered: it carries no chain (not written by a Jibril file printer, or its chain was "
                + "edited)", verify(file).message());
    }

    @Test
    void theKeyIsMadeOnceRootOnlyAndReused() throws Exception {
        Path k = dir.resolve("etc/jibril/chain.key");
        ChainKey.Loaded a = ChainKey.loadOrCreate(k);
        ChainKey.Loaded b = ChainKey.loadOrCreate(k);
        assertTrue(a.created());
        assertFalse(b.created());
        assertEquals(32, a.key().length);
        assertEquals(java.util.HexFormat.of().formatHex(a.key()), java.util.HexFormat.of().formatHex(b.key()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(k)));
        assertFalse(a.exposed());
        Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(ChainKey.loadOrCreate(k).exposed());
        Path other = dir.resolve("other.key");
        assertNotEquals(java.util.HexFormat.of().formatHex(a.key()),
                java.util.HexFormat.of().formatHex(ChainKey.loadOrCreate(other).key()));
    }

    @Test
    void theCommandLineSaysIntactOrTheProblemWithItsExitCode() throws Exception {
        Path file = write("events.json", 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Verify.run(new String[] { "--key", key().toString(), file.toString() },
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString());
        assertEquals("intact: 3 lines, seq 1..3\n", out.toString());
        List<String> l = lines(file);
        rewrite(file, l.subList(1, 3));
        out.reset();
        code = Verify.run(new String[] { "--key", key().toString(), file.toString() },
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, code);
        assertTrue(out.toString().startsWith(file + ":1: removed: seq 1 is missing at the start of the file"),
                out.toString());
    }
}
