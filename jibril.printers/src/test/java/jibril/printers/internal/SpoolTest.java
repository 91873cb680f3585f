package jibril.printers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The http printer's on-disk queue: order, batches, restarts, a torn record, the size limit. */
class SpoolTest {

    @TempDir
    Path dir;

    private static byte[] rec(int i) {
        return ("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(40) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static int n(byte[] rec) {
        String s = new String(rec, StandardCharsets.UTF_8);
        return Integer.parseInt(s.substring(5, s.indexOf(',')));
    }

    /** Takes everything out in batches of {@code size}, committing each. */
    private static List<Integer> drain(Spool spool, int size) throws IOException {
        List<Integer> out = new ArrayList<>();
        while (true) {
            Spool.Batch b = spool.peek(size, 1 << 20);
            if (b.isEmpty()) {
                return out;
            }
            b.records().forEach(r -> out.add(n(r)));
            spool.commit(b);
        }
    }

    private long segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".seg")).count();
        }
    }

    @Test
    void recordsComeOutInOrderInBatchesAcrossSegments() throws Exception {
        try (Spool spool = new Spool(dir, 1 << 20, 1_000)) {
            for (int i = 0; i < 500; i++) {
                assertTrue(spool.append(rec(i)));
            }
            assertTrue(segments() > 10, "small segments: " + segments());
            assertEquals(500, spool.pending());
            Spool.Batch peeked = spool.peek(7, 1 << 20);
            assertEquals(7, peeked.records().size());
            assertEquals(1, peeked.firstSeq());
            // Peeking again without a commit gives the same records (a failed POST sends them again).
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), spool.peek(7, 1 << 20).records().stream().map(SpoolTest::n).toList());
            List<Integer> all = drain(spool, 33);
            for (int i = 0; i < 500; i++) {
                assertEquals(i, all.get(i));
            }
            assertEquals(500, all.size());
            assertEquals(0, spool.pending());
            assertTrue(segments() <= 1, "delivered segments are deleted: " + segments());
            // A batch stops near the byte budget, but always carries at least one record.
            spool.append(rec(500));
            spool.append(rec(501));
            assertEquals(1, spool.peek(100, 10).records().size());
        }
    }

    @Test
    void aRestartResumesAtTheCursorAndCutsATornRecord() throws Exception {
        try (Spool spool = new Spool(dir, 1 << 20, 700)) {
            for (int i = 0; i < 100; i++) {
                spool.append(rec(i));
            }
            spool.commit(spool.peek(42, 1 << 20));
            // Nothing about a second daemon on the same spool.
            assertThrows(IOException.class, () -> new Spool(dir, 1 << 20, 700));
        }
        // A crash mid-append leaves half a record at the end of the last segment.
        Path last;
        try (Stream<Path> s = Files.list(dir)) {
            last = s.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        Files.write(last, "{\"n\":100,\"pa".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (Spool spool = new Spool(dir, 1 << 20, 700)) {
            assertEquals(58, spool.pending());
            spool.append(rec(100));
            List<Integer> rest = drain(spool, 10);
            List<Integer> expected = new ArrayList<>();
            for (int i = 42; i <= 100; i++) {
                expected.add(i);
            }
            assertEquals(expected, rest);
        }
        try (Spool spool = new Spool(dir, 1 << 20, 700)) {
            assertEquals(0, spool.pending());
            assertEquals(102, spool.nextSeq(), "seqs go on across restarts");
        }
    }

    @Test
    void pastItsLimitTheSpoolRefusesAndTakesAgainOnceDelivered() throws Exception {
        try (Spool spool = new Spool(dir, 2_000, 500)) {
            int kept = 0;
            int refused = 0;
            for (int i = 0; i < 100; i++) {
                if (spool.append(rec(i))) {
                    kept++;
                } else {
                    refused++;
                }
            }
            assertTrue(refused > 0 && kept > 0, kept + " kept, " + refused + " refused");
            assertTrue(spool.bytes() <= 2_000, spool.bytes() + " bytes");
            List<Integer> out = drain(spool, 1000);
            assertEquals(kept, out.size());
            for (int i = 0; i < kept; i++) {
                assertEquals(i, out.get(i), "the kept ones are the oldest, in order");
            }
            assertTrue(spool.append(rec(1000)), "room again after delivery");
            assertFalse(spool.peek(1, 1000).isEmpty());
        }
    }
}
