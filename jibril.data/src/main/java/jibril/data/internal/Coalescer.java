package jibril.data.internal;

/**
 * Skips notices that a read of their pair already covers. A process that opens, reads and closes a new file makes
 * three notices for one pair (the pair, then a new bit twice); the first read of the pair, made after all three
 * were queued, already sees every bit, so the other two need no read of their own. Notices are numbered in queue
 * order; a read of a pair records the number of the last notice queued before it, and a later-taken notice of the
 * same pair with a number at or below that mark is covered (its action happened before the notice was queued, so
 * before the read). Direct-mapped by pair: a collision only costs a read. Used by the data layer's thread alone.
 */
final class Coalescer {

    private static final int SLOTS = 4096;

    private final long[] first = new long[SLOTS];
    private final long[] second = new long[SLOTS];
    private final long[] mark = new long[SLOTS];
    private final boolean[] used = new boolean[SLOTS];
    private long covered;

    private static int slot(long a, long b) {
        long h = a * 0x9E3779B97F4A7C15L ^ b;
        return (int) (h ^ (h >>> 32)) & (SLOTS - 1);
    }

    /**
     * Whether the notice numbered {@code index} of pair (a, b) is covered by an earlier read; if not, records that
     * a read of the pair happens now, after every notice up to {@code queuedBefore} was queued.
     *
     * @return true when the notice can be skipped
     */
    boolean coveredOrRead(long a, long b, long index, long queuedBefore) {
        int s = slot(a, b);
        if (used[s] && first[s] == a && second[s] == b && index <= mark[s]) {
            covered++;
            return true;
        }
        used[s] = true;
        first[s] = a;
        second[s] = b;
        mark[s] = queuedBefore;
        return false;
    }

    /** Notices skipped so far. */
    long covered() {
        return covered;
    }
}
