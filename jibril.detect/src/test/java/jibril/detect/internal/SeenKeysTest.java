package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SeenKeysTest {

    @Test
    void behavesLikeABoundedInsertionOrderedSetOnRandomKeys() {
        int capacity = 1000;
        SeenKeys seen = new SeenKeys(capacity);
        Set<Long> model = new HashSet<>();
        ArrayDeque<Long> order = new ArrayDeque<>();
        Random r = new Random(7);
        for (int step = 0; step < 200_000; step++) {
            // A small key space, so keys repeat, come back after being forgotten, and collide in the table.
            long key = 1 + r.nextInt(3000) * 0x10000L; // many keys share low bits: long probe runs
            assertEquals(model.contains(key), seen.contains(key), "step " + step);
            if (!model.contains(key)) {
                if (model.size() == capacity) {
                    model.remove(order.removeFirst());
                }
                model.add(key);
                order.addLast(key);
            }
            seen.add(key);
            assertEquals(model.size(), seen.size());
        }
        for (long k : model) {
            assertTrue(seen.contains(k));
        }
    }

    @Test
    void theOldestKeyIsForgottenFirst() {
        SeenKeys seen = new SeenKeys(3);
        seen.add(10);
        seen.add(20);
        seen.add(30);
        seen.add(20); // already there: no change of order
        seen.add(40);
        assertFalse(seen.contains(10));
        assertTrue(seen.contains(20) && seen.contains(30) && seen.contains(40));
    }

    @Test
    void hashesDifferForNearKeysAndAreNeverZero() {
        assertNotEquals(SeenKeys.hash("r|1|2|/etc/shadow"), SeenKeys.hash("r|1|2|/etc/shadoW"));
        assertNotEquals(SeenKeys.hash("ab"), SeenKeys.hash("ba"));
        assertNotEquals(0, SeenKeys.hash(""));
    }
}
