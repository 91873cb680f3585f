package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PairIndexTest {

    @Test
    void eachProcessHasItsOwnPairsOnceEach() {
        PairIndex ix = new PairIndex();
        ix.add(7, 1, 2);
        ix.add(7, 1, 2); // a second report of the same pair (a new action bit)
        ix.add(7, 1, 3);
        ix.add(8, 1, 2); // another pid (a reused one, or a thread group's pair keyed alike)
        ix.add(9, 0, 0); // not a key the kernel makes
        assertEquals(2, ix.count(7));
        assertEquals(1, ix.count(8));
        assertEquals(0, ix.count(9));
        assertEquals(3, ix.total());
        assertEquals(2, ix.processes());
        assertArrayEquals(new long[] { 1, 2 }, ix.of(8));
        assertEquals(0, ix.of(10).length);
    }

    @Test
    void aProcessWithManyPairsKeepsEveryOne() {
        PairIndex ix = new PairIndex();
        Random r = new Random(3);
        Set<String> want = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            long t = r.nextInt(50);
            long f = r.nextLong();
            ix.add(42, t, f);
            want.add(t + "/" + f);
        }
        long[] got = ix.of(42);
        Set<String> have = new HashSet<>();
        for (int i = 0; i < got.length; i += 2) {
            have.add(got[i] + "/" + got[i + 1]);
        }
        assertEquals(want, have);
        assertEquals(want.size(), ix.count(42));
        assertEquals(want.size(), ix.total());
    }
}
