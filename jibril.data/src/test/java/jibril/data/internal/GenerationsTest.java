package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GenerationsTest {

    @Test
    void eachGenerationIsClaimedOnceAndTheCursorFollowsContiguousClaims() {
        Generations g = new Generations(10);
        assertFalse(g.claim(10), "at the cursor: reported by an earlier run");
        assertTrue(g.claim(12));
        assertEquals(10, g.cursor());
        assertTrue(g.claim(11));
        assertEquals(12, g.cursor());
        assertFalse(g.claim(11));
        assertFalse(g.claim(12));
        assertTrue(g.isHandled(12));
        assertFalse(g.isHandled(13));
    }

    @Test
    void aSweepMovesTheCursorAndCountsWhatWasGoneForGood() {
        Generations g = new Generations(0);
        g.claim(1);
        g.claim(3);
        g.claim(5);
        g.claim(7); // beyond what the sweep saw
        g.sweptUpTo(6); // 2, 4 and 6 were overwritten before anyone read them
        assertEquals(6, g.cursor());
        assertEquals(3, g.missed());
        assertTrue(g.isHandled(7));
        assertTrue(g.claim(8) && g.cursor() == 8, "7 and 8 are contiguous above the cursor");
        g.sweptUpTo(4);
        assertEquals(8, g.cursor(), "a sweep never moves the cursor back");
    }

    @Test
    void aSweepMovesTheCursorOnlyToWhatThePreviousSweepSaw() {
        Generations g = new Generations(0);
        g.sweepDone(10); // first sweep: 1..10 may still be being written
        assertEquals(0, g.cursor());
        g.claim(2);
        g.sweepDone(20); // 1..10 are settled now; 1 and 3..10 were never seen: gone for good
        assertEquals(10, g.cursor());
        assertEquals(9, g.missed());
    }

    @Test
    void aSweepMayBeSkippedOnlyWhileEveryGenerationUpToThePreviousSweepIsReported() {
        Generations g = new Generations(0);
        assertTrue(g.caughtUp(), "nothing happened yet");
        g.sweepDone(3); // 1..3 happened before this sweep; their notices are on their way
        assertFalse(g.caughtUp(), "1..3 are not reported yet");
        g.claim(1);
        g.claim(3);
        assertFalse(g.caughtUp(), "2 is missing: a walk must look for it");
        g.claim(2);
        assertTrue(g.caughtUp(), "1..3 came by notice");
        g.sweepDone(5); // skipped: 4 and 5 are on their way
        assertEquals(3, g.cursor());
        g.claim(5); // 4's notice was lost
        assertFalse(g.caughtUp(), "4 was never claimed: the next sweep walks");
        g.sweepDone(5); // the walk found nothing for 4 (gone): counted, and the cursor moves on
        assertEquals(1, g.missed());
        assertTrue(g.caughtUp());
    }

    @Test
    void settlingAtAStopSkipsWhatWasReportedAndStopsBeforeWhatWasNot() {
        Generations g = new Generations(10);
        assertTrue(g.claim(12));
        assertTrue(g.claim(14));
        assertTrue(g.claim(15));
        // 11 and 13 are gone from the map (superseded); 16 is present and unreported; 17 reported
        assertTrue(g.claim(17));
        g.settle(17, java.util.List.of(12L, 14L, 15L, 16L, 17L, 3L));
        assertEquals(15, g.cursor(), "up to just below the first unreported one");
        assertTrue(g.isHandled(17), "what was claimed above stays claimed");
        assertFalse(g.isHandled(16));
        Generations all = new Generations(10);
        assertTrue(all.claim(11));
        all.settle(20, java.util.List.of(11L));
        assertEquals(20, all.cursor(), "everything present was reported: the cursor reaches global");
    }

    /** The reference: the set-of-claims semantics the bit window must keep, checked on random histories. */
    private static final class Model {
        final java.util.TreeSet<Long> above = new java.util.TreeSet<>();
        long cursor;
        long missed;

        Model(long cursor) {
            this.cursor = cursor;
        }

        boolean claim(long seq) {
            if (seq <= cursor || !above.add(seq)) {
                return false;
            }
            while (above.remove(cursor + 1)) {
                cursor++;
            }
            return true;
        }

        void sweptUpTo(long global) {
            if (global <= cursor) {
                return;
            }
            var reported = above.headSet(global, true);
            missed += Math.max(0, (global - cursor) - reported.size());
            reported.clear();
            cursor = global;
        }

        void skipTo(long global) {
            if (global > cursor) {
                above.headSet(global, true).clear();
                cursor = global;
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = { 0, 1, 42, 1_000_003 })
    void theBitWindowAgreesWithTheSetSemanticsOnRandomHistories(long seed) {
        java.util.Random r = new java.util.Random(seed);
        long start = seed * 7;
        Generations g = new Generations(start);
        Model m = new Model(start);
        long global = start;
        for (int step = 0; step < 400_000; step++) {
            int op = r.nextInt(1000);
            if (op < 950) {
                global += r.nextInt(3);
                // Claims near the head mostly, some far behind (late notices), some repeated.
                long seq = Math.max(1, global - (r.nextInt(10) == 0 ? r.nextInt(200_000) : r.nextInt(50)));
                assertEquals(m.claim(seq), g.claim(seq), "claim " + seq + " at step " + step);
            } else if (op < 990) {
                long to = global - r.nextInt(100);
                m.sweptUpTo(to);
                g.sweptUpTo(to);
            } else {
                long to = global - r.nextInt(1000);
                m.skipTo(to);
                g.skipTo(to);
            }
            assertEquals(m.cursor, g.cursor(), "cursor at step " + step);
            if (step % 1000 == 0) {
                long probe = m.cursor + r.nextInt(500);
                assertEquals(probe <= m.cursor || m.above.contains(probe), g.isHandled(probe), "handled " + probe);
            }
        }
        assertEquals(m.missed, g.missed());
    }
}
