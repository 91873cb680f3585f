package jibril.data.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The copies of a pair (task_file, task_flow) that notices carried, merged until a flush reports each pair once
 * (the data layer's thread only). Bits and counters only accumulate and the kernel raises a pair's generation before
 * it copies the pair into a notice, so the copy of highest generation holds all the others; every generation the
 * notices brought is claimed, and the pair is reported only when its newest copy's generation was not claimed yet
 * (a sweep that found the pair claimed it and reported it already).
 *
 * @param <K> the pair's key
 * @param <C> a copy of the pair's value
 * @param <X> what a new pair's notice carried besides (the file, the flow), or nothing
 */
final class CopyMerger<K, C, X> {

    /** Reports one pair: its key, its newest copy, and what its notices carried besides (or null). */
    interface Report<K, C, X> {
        void report(K key, C newest, X extra);
    }

    private static final class Pending<C, X> {
        C newest;
        X extra;
        long[] gens = new long[4];
        int n;

        void gen(long g) {
            if (n == gens.length) {
                gens = Arrays.copyOf(gens, n * 2);
            }
            gens[n++] = g;
        }
    }

    private final Map<K, Pending<C, X>> pending = new LinkedHashMap<>();
    private final ToLongFunction<C> genOf;
    private final Generations generations;
    private final int max;
    final AtomicLong pairsFromCopies = new AtomicLong();
    final AtomicLong copiesMerged = new AtomicLong();

    /**
     * @param genOf       a copy's generation
     * @param generations the area's pair generations, claimed here
     * @param max         the pairs held before {@link #merge} asks for a flush (bounds the memory and the delay)
     */
    CopyMerger(ToLongFunction<C> genOf, Generations generations, int max) {
        this.genOf = genOf;
        this.generations = generations;
        this.max = max;
    }

    /**
     * Holds one notice's copy of a pair.
     *
     * @param noticeGen the notice's own generation (0 when it has none)
     * @param extra     what the notice carried besides, or null (an earlier one is kept)
     * @return whether the merger holds {@code max} pairs: the caller flushes now
     */
    boolean merge(K key, C copy, X extra, long noticeGen) {
        Pending<C, X> p = pending.get(key);
        if (p == null) {
            p = new Pending<>();
            pending.put(key, p);
        } else {
            copiesMerged.incrementAndGet();
        }
        if (p.newest == null || genOf.applyAsLong(copy) >= genOf.applyAsLong(p.newest)) {
            p.newest = copy;
        }
        if (extra != null) {
            p.extra = extra;
        }
        p.gen(noticeGen);
        p.gen(genOf.applyAsLong(copy));
        return pending.size() >= max;
    }

    /** Reports every held pair whose newest generation was not claimed yet, in arrival order; claims them all. */
    void flush(Report<K, C, X> report) {
        if (pending.isEmpty()) {
            return;
        }
        List<Map.Entry<K, Pending<C, X>>> all = new ArrayList<>(pending.entrySet());
        pending.clear();
        for (Map.Entry<K, Pending<C, X>> e : all) {
            Pending<C, X> p = e.getValue();
            // the newest copy's generation first: claiming a notice's first would hide that it was fresh
            boolean fresh = generations.claim(genOf.applyAsLong(p.newest));
            for (int i = 0; i < p.n; i++) {
                if (p.gens[i] != 0) {
                    generations.claim(p.gens[i]);
                }
            }
            if (fresh) {
                pairsFromCopies.incrementAndGet();
                report.report(e.getKey(), p.newest, p.extra);
            }
        }
    }

    /** Forgets the held pairs (nobody listens: their generations are skipped with the rest). */
    void clear() {
        pending.clear();
    }

    int size() {
        return pending.size();
    }
}
