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
}
