package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** How notices' copies of a pair merge: one report per pair, from its newest copy, every generation claimed. */
class CopyMergerTest {

    /** A pair's value as a notice copied it: its generation and its action bits. */
    private record Copy(long gen, int bits) {
    }

    private static final long A = 0xA, B = 0xB, C = 0xC;

    private final Generations generations = new Generations(0);
    private final CopyMerger<Copy, String> merger = new CopyMerger<>(Copy::gen, generations, 3);
    private final List<String> reports = new ArrayList<>();

    private void flush() {
        merger.flush((key, seq, newest, extra) -> reports.add(Long.toHexString(key) + "/" + seq + " gen "
                + newest.gen() + " bits " + newest.bits() + " extra " + extra));
    }

    @Test
    void aPairIsReportedOnceFromItsNewestCopyWhateverTheOrder() {
        merger.merge(A, 1, new Copy(5, 0b11), null, 5);
        merger.merge(A, 1, new Copy(2, 0b01), "file", 2); // an older copy dequeued later: its extra is kept
        merger.merge(B, 1, new Copy(3, 0b100), null, 3);
        assertEquals(2, merger.size());
        flush();
        assertEquals(List.of("a/1 gen 5 bits 3 extra file", "b/1 gen 3 bits 4 extra null"), reports, "arrival order");
        assertEquals(1, merger.copiesMerged.get());
        assertEquals(2, merger.pairsFromCopies.get());
        assertEquals(0, merger.size());
        for (long g : new long[] {2, 3, 5}) {
            assertFalse(generations.claim(g), "generation " + g + " was claimed by the flush");
        }
        assertTrue(generations.claim(4), "a generation no notice brought stays for the sweep");
    }

    @Test
    void bothKeyWordsMakeThePair() {
        merger.merge(A, 1, new Copy(1, 1), null, 1);
        merger.merge(A, 2, new Copy(2, 2), null, 2);
        merger.merge(B, 1, new Copy(3, 4), null, 3);
        flush();
        assertEquals(List.of("a/1 gen 1 bits 1 extra null", "a/2 gen 2 bits 2 extra null",
                "b/1 gen 3 bits 4 extra null"), reports);
        assertEquals(0, merger.copiesMerged.get());
    }

    @Test
    void aPairASweepAlreadyReportedIsNotReportedAgain() {
        merger.merge(A, 1, new Copy(7, 1), null, 7);
        assertTrue(generations.claim(7)); // the sweep found the pair first
        flush();
        assertEquals(List.of(), reports);
        assertEquals(0, merger.pairsFromCopies.get());
    }

    @Test
    void noticesWithoutAGenerationClaimNothingAndTheMergerAsksForAFlushWhenFull() {
        assertFalse(merger.merge(A, 1, new Copy(1, 1), null, 0));
        assertFalse(merger.merge(B, 1, new Copy(2, 1), null, 0));
        assertTrue(merger.merge(C, 1, new Copy(3, 1), null, 0), "three pairs held: the caller must flush");
        merger.clear();
        flush();
        assertEquals(List.of(), reports, "cleared: nobody listens");
        assertTrue(generations.claim(1), "cleared pairs claimed nothing");
        merger.merge(A, 1, new Copy(4, 1), null, 4);
        flush();
        assertEquals(List.of("a/1 gen 4 bits 1 extra null"), reports, "a cleared merger holds pairs again");
    }

    @Test
    void aReportThatMergesIsRefusedAndTheMergerIsUsableAfter() {
        merger.merge(A, 1, new Copy(1, 1), null, 1);
        assertThrows(IllegalStateException.class,
                () -> merger.flush((key, seq, newest, extra) -> merger.merge(B, 1, new Copy(2, 1), null, 2)));
        assertEquals(0, merger.size());
        merger.merge(B, 1, new Copy(3, 1), null, 3);
        flush();
        assertEquals(List.of("b/1 gen 3 bits 1 extra null"), reports);
    }

    /** A model of what a flush must report: the newest copy and last extra per pair, in first-arrival order. */
    @Test
    void matchesAMapModelOverRandomNoticesPastItsSizeAndAcrossFlushes() {
        Random r = new Random(42);
        Generations gens = new Generations(0);
        CopyMerger<Copy, String> m = new CopyMerger<>(Copy::gen, gens, 64);
        long gen = 0;
        for (int round = 0; round < 50; round++) {
            Map<List<Long>, Object[]> model = new LinkedHashMap<>(); // key -> {newest Copy, extra}
            int notices = r.nextInt(400); // up to six times max: the caller ignores the request to flush
            for (int i = 0; i < notices; i++) {
                // few distinct first words and colliding second words, so that pairs share one of them
                long key = r.nextInt(8) == 0 ? 0 : r.nextInt(5) + 1L;
                long seq = r.nextInt(90);
                Copy copy = new Copy(++gen, r.nextInt(1 << 15));
                String extra = r.nextInt(4) == 0 ? "x" + i : null;
                m.merge(key, seq, copy, extra, gen);
                Object[] held = model.computeIfAbsent(List.of(key, seq), k -> new Object[2]);
                held[0] = copy; // generations only grow here: the latest copy is the newest
                if (extra != null) {
                    held[1] = extra;
                }
            }
            assertEquals(model.size(), m.size());
            List<String> want = new ArrayList<>();
            model.forEach((k, v) -> want.add(k.get(0) + "/" + k.get(1) + " " + v[0] + " " + v[1]));
            List<String> got = new ArrayList<>();
            m.flush((key, seq, newest, extra) -> got.add(key + "/" + seq + " " + newest + " " + extra));
            assertEquals(want, got, "round " + round);
            assertEquals(0, m.size());
        }
        for (long g = 1; g <= gen; g++) {
            assertFalse(gens.claim(g), "generation " + g);
        }
    }
}
