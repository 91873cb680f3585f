package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class CoalescerTest {

    @Test
    void aReadCoversTheNoticesQueuedBeforeIt() {
        Coalescer c = new Coalescer();
        // notices 1..3 of pair (1, 2) were queued before the first is taken: one read covers 2 and 3
        assertFalse(c.coveredOrRead(1, 2, 1, 3));
        assertTrue(c.coveredOrRead(1, 2, 2, 3));
        assertTrue(c.coveredOrRead(1, 2, 3, 3));
        // notice 4 was queued after that read: it needs its own
        assertFalse(c.coveredOrRead(1, 2, 4, 4));
        assertEquals(2, c.covered());
    }

    @Test
    void anotherPairIsNeverCovered() {
        Coalescer c = new Coalescer();
        assertFalse(c.coveredOrRead(1, 2, 1, 10));
        assertFalse(c.coveredOrRead(2, 1, 2, 10));
        assertFalse(c.coveredOrRead(1, 3, 3, 10));
        assertEquals(0, c.covered());
    }

    /**
     * Model: notices of random pairs are queued and taken in bursts; whatever is skipped must have been queued
     * (so happened) before some earlier read of the same pair. Collisions in the table only cost reads.
     */
    @Test
    void neverSkipsANoticeThatHappenedAfterTheLastReadOfItsPair() {
        Random r = new Random(7);
        Coalescer c = new Coalescer();
        ArrayDeque<long[]> queue = new ArrayDeque<>(); // {a, b, index}
        Map<Long, Long> lastReadMark = new HashMap<>(); // pair -> queued count at its latest read
        long queued = 0;
        int skipped = 0;
        for (int round = 0; round < 20_000; round++) {
            int burst = r.nextInt(8);
            for (int i = 0; i < burst; i++) {
                long a = r.nextInt(5000);
                queue.add(new long[] { a, a * 31 + 1, ++queued });
            }
            int take = r.nextInt(8);
            for (int i = 0; i < take && !queue.isEmpty(); i++) {
                long[] n = queue.poll();
                long pair = n[0];
                if (c.coveredOrRead(n[0], n[1], n[2], queued)) {
                    skipped++;
                    assertTrue(lastReadMark.containsKey(pair) && n[2] <= lastReadMark.get(pair),
                            "notice " + n[2] + " skipped without a read after it");
                } else {
                    lastReadMark.put(pair, queued);
                }
            }
        }
        assertEquals(skipped, c.covered());
    }
}
