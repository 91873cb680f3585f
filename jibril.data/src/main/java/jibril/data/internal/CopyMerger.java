package jibril.data.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The copies of a pair (task_file, task_flow) that notices carried, merged until a flush reports each pair once
 * (the data layer's thread only). Bits and counters only accumulate and the kernel raises a pair's generation before
 * it copies the pair into a notice, so the copy of highest generation holds all the others; every generation the
 * notices brought is claimed, and the pair is reported only when its newest copy's generation was not claimed yet
 * (a sweep that found the pair claimed it and reported it already).
 * <p>
 * A pair is keyed by its two words (task key, file or flow key) in an open-addressing table over arrays that are
 * reused from flush to flush: under a flood every new pair passes through here two to four times (its own notice and
 * its new bits), and a map entry, a key object and a holder per pair were a good part of the data layer's garbage.
 *
 * @param <C> a copy of the pair's value
 * @param <X> what a new pair's notice carried besides (the file, the flow), or nothing
 */
final class CopyMerger<C, X> {

    /** Reports one pair: its key's two words, its newest copy, and what its notices carried besides (or null). */
    interface Report<C, X> {
        void report(long key, long seq, C newest, X extra);
    }

    private final ToLongFunction<C> genOf;
    private final Generations generations;
    private final int max;
    final AtomicLong pairsFromCopies = new AtomicLong();
    final AtomicLong copiesMerged = new AtomicLong();

    /** The held pairs in arrival order: key words (two per pair), newest copy, extra, the table slot of each. */
    private long[] keys;
    private Object[] newest;
    private Object[] extras;
    private int[] slotOf;
    private int size;
    /** Open addressing, linear probing: a pair's index + 1, 0 for an empty slot; at most half full. */
    private int[] slots;
    /** Every non-zero generation the held notices brought (theirs and their copies'), to claim at the flush. */
    private long[] gens = new long[64];
    private int genCount;
    private boolean flushing;

    /**
     * @param genOf       a copy's generation
     * @param generations the area's pair generations, claimed here
     * @param max         the pairs held before {@link #merge} asks for a flush (bounds the memory and the delay)
     */
    CopyMerger(ToLongFunction<C> genOf, Generations generations, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max " + max);
        }
        this.genOf = genOf;
        this.generations = generations;
        this.max = max;
        allocate(Integer.highestOneBit(max - 1 | 1) * 2);
    }

    private void allocate(int capacity) {
        keys = new long[2 * capacity];
        newest = new Object[capacity];
        extras = new Object[capacity];
        slotOf = new int[capacity];
        slots = new int[2 * capacity];
    }

    /**
     * Holds one notice's copy of a pair.
     *
     * @param key       the pair's first key word (the task key)
     * @param seq       its second (the file or flow key)
     * @param noticeGen the notice's own generation (0 when it has none)
     * @param extra     what the notice carried besides, or null (an earlier one is kept)
     * @return whether the merger holds {@code max} pairs: the caller flushes now
     * @throws IllegalStateException when called from a {@link #flush}'s report
     */
    boolean merge(long key, long seq, C copy, X extra, long noticeGen) {
        if (flushing) {
            throw new IllegalStateException("merge during a flush");
        }
        int e = find(key, seq);
        if (e < 0) {
            e = add(key, seq);
        } else {
            copiesMerged.incrementAndGet();
        }
        @SuppressWarnings("unchecked")
        C held = (C) newest[e];
        long copyGen = genOf.applyAsLong(copy);
        if (held == null || copyGen >= genOf.applyAsLong(held)) {
            newest[e] = copy;
        }
        if (extra != null) {
            extras[e] = extra;
        }
        gen(noticeGen);
        gen(copyGen);
        return size >= max;
    }

    private static int hash(long key, long seq) {
        long h = key * 0x9E3779B97F4A7C15L ^ seq;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ h >>> 32);
    }

    /** The held pair's index, or -1. */
    private int find(long key, long seq) {
        int mask = slots.length - 1;
        for (int i = hash(key, seq) & mask;; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) {
                return -1;
            }
            if (keys[2 * (s - 1)] == key && keys[2 * (s - 1) + 1] == seq) {
                return s - 1;
            }
        }
    }

    private int add(long key, long seq) {
        if (size == newest.length) {
            grow();
        }
        int e = size++;
        keys[2 * e] = key;
        keys[2 * e + 1] = seq;
        place(e);
        return e;
    }

    private void place(int e) {
        int mask = slots.length - 1;
        int i = hash(keys[2 * e], keys[2 * e + 1]) & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = e + 1;
        slotOf[e] = i;
    }

    /** Only when a caller holds more than max pairs (it did not flush when asked): the table doubles. */
    private void grow() {
        long[] k = keys;
        Object[] n = newest;
        Object[] x = extras;
        allocate(n.length * 2);
        System.arraycopy(k, 0, keys, 0, k.length);
        System.arraycopy(n, 0, newest, 0, n.length);
        System.arraycopy(x, 0, extras, 0, x.length);
        for (int e = 0; e < size; e++) {
            place(e);
        }
    }

    private void gen(long g) {
        if (g == 0) {
            return;
        }
        if (genCount == gens.length) {
            gens = Arrays.copyOf(gens, genCount * 2);
        }
        gens[genCount++] = g;
    }

    /**
     * Reports every held pair whose newest generation was not claimed yet, in arrival order; claims them all. A
     * report must not merge (it throws). Should a report throw, the pairs after it are dropped unclaimed, so the
     * next sweep finds them.
     */
    @SuppressWarnings("unchecked")
    void flush(Report<C, X> report) {
        if (size == 0) {
            return;
        }
        flushing = true;
        try {
            for (int e = 0; e < size; e++) {
                // The pair's newest copy's generation before any of its notices': claiming one of those first
                // would hide that it was fresh. The generations of different pairs never coincide, so the notices'
                // can all be claimed after the last report.
                C c = (C) newest[e];
                if (generations.claim(genOf.applyAsLong(c))) {
                    pairsFromCopies.incrementAndGet();
                    report.report(keys[2 * e], keys[2 * e + 1], c, (X) extras[e]);
                }
            }
            for (int i = 0; i < genCount; i++) {
                generations.claim(gens[i]);
            }
        } finally {
            flushing = false;
            clear();
        }
    }

    /** Forgets the held pairs (nobody listens: their generations are skipped with the rest). */
    void clear() {
        for (int e = 0; e < size; e++) {
            slots[slotOf[e]] = 0;
            newest[e] = null;
            extras[e] = null;
        }
        size = 0;
        genCount = 0;
    }

    int size() {
        return size;
    }
}
