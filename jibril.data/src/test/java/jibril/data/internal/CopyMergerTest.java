package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** How notices' copies of a pair merge: one report per pair, from its newest copy, every generation claimed. */
class CopyMergerTest {

    /** A pair's value as a notice copied it: its generation and its action bits. */
    private record Copy(long gen, int bits) {
    }

    private final Generations generations = new Generations(0);
    private final CopyMerger<String, Copy, String> merger = new CopyMerger<>(Copy::gen, generations, 3);
    private final List<String> reports = new ArrayList<>();

    private void flush() {
        merger.flush((key, newest, extra) -> reports.add(key + " gen " + newest.gen() + " bits " + newest.bits()
                + " extra " + extra));
    }

    @Test
    void aPairIsReportedOnceFromItsNewestCopyWhateverTheOrder() {
        merger.merge("a", new Copy(5, 0b11), null, 5);
        merger.merge("a", new Copy(2, 0b01), "file", 2); // an older copy dequeued later: its extra is kept
        merger.merge("b", new Copy(3, 0b100), null, 3);
        assertEquals(2, merger.size());
        flush();
        assertEquals(List.of("a gen 5 bits 3 extra file", "b gen 3 bits 4 extra null"), reports, "arrival order");
        assertEquals(1, merger.copiesMerged.get());
        assertEquals(2, merger.pairsFromCopies.get());
        assertEquals(0, merger.size());
        for (long g : new long[] {2, 3, 5}) {
            assertFalse(generations.claim(g), "generation " + g + " was claimed by the flush");
        }
        assertTrue(generations.claim(4), "a generation no notice brought stays for the sweep");
    }

    @Test
    void aPairASweepAlreadyReportedIsNotReportedAgain() {
        merger.merge("a", new Copy(7, 1), null, 7);
        assertTrue(generations.claim(7)); // the sweep found the pair first
        flush();
        assertEquals(List.of(), reports);
        assertEquals(0, merger.pairsFromCopies.get());
    }

    @Test
    void noticesWithoutAGenerationClaimNothingAndTheMergerAsksForAFlushWhenFull() {
        assertFalse(merger.merge("a", new Copy(1, 1), null, 0));
        assertFalse(merger.merge("b", new Copy(2, 1), null, 0));
        assertTrue(merger.merge("c", new Copy(3, 1), null, 0), "three pairs held: the caller must flush");
        merger.clear();
        flush();
        assertEquals(List.of(), reports, "cleared: nobody listens");
        assertTrue(generations.claim(1), "cleared pairs claimed nothing");
    }
}
