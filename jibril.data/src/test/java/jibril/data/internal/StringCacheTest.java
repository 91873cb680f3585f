package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StringCacheTest {

    @Test
    void keepsWhatFitsAndForgetsTheOlderOfASet() {
        StringCache c = new StringCache(1000);
        assertEquals(1024, c.capacity());
        for (long k = 1; k <= 200; k++) {
            c.put(k, "s" + k);
        }
        int hits = 0;
        for (long k = 1; k <= 200; k++) {
            String s = c.get(k);
            if (s != null) {
                assertEquals("s" + k, s, "a hit is always the key's own string");
                hits++;
            }
        }
        // 200 keys in 512 two-way sets: only a key whose set got two later keys is gone.
        assertTrue(hits >= 190, "most of 200 keys stay in 1024 slots, " + hits + " did");
        assertNull(c.get(100_000), "an absent key is a miss");
    }

    @Test
    void aRecentlyUsedKeySurvivesTheNextMissOfItsSet() {
        StringCache c = new StringCache(2); // one set of two ways: every key shares it
        c.put(1, "one");
        c.put(2, "two");
        assertEquals("one", c.get(1)); // 1 becomes the most recent
        c.put(3, "three"); // evicts 2, the older
        assertEquals("one", c.get(1));
        assertEquals("three", c.get(3));
        assertNull(c.get(2));
        c.put(3, "three");
        assertEquals("one", c.get(1), "re-putting a cached key evicts nothing");
    }
}
