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
}
