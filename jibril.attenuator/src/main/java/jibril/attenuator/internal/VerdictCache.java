package jibril.attenuator.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Verdicts of recent detections by their {@link LlmAttenuator#key key}, so that a burst of identical detections
 * costs one call: a detection whose key has a fresh verdict reuses it, and one whose key has a call in flight
 * waits for that call instead of making another. Failed calls are not kept. Bounded: the least recently used
 * key goes first.
 */
final class VerdictCache {

    /** What {@link #lookup} found: the future to wait on, and whether the caller must make the call. */
    record Lookup(CompletableFuture<Verdict> future, boolean owner, boolean done) {
    }

    private static final class Slot {
        final CompletableFuture<Verdict> future = new CompletableFuture<>();
        long expiresAt;
    }

    private final long ttlNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Slot> slots;

    VerdictCache(int size, long ttlMs, LongSupplier nanoClock) {
        this.ttlNanos = ttlMs * 1_000_000;
        this.nanoClock = nanoClock;
        this.slots = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Slot> eldest) {
                return size() > size;
            }
        };
    }

    synchronized Lookup lookup(String key) {
        Slot s = slots.get(key);
        if (s != null) {
            if (!s.future.isDone()) {
                return new Lookup(s.future, false, false);
            }
            if (nanoClock.getAsLong() - s.expiresAt < 0) {
                return new Lookup(s.future, false, true);
            }
            slots.remove(key);
        }
        Slot n = new Slot();
        slots.put(key, n);
        return new Lookup(n.future, true, false);
    }

    /** Completes a call made by an owner: the verdict is kept for the cache time, a failure is forgotten. */
    void complete(String key, CompletableFuture<Verdict> future, Verdict v, Throwable failure) {
        synchronized (this) {
            Slot s = slots.get(key);
            if (s != null && s.future == future) {
                if (failure != null || ttlNanos <= 0) {
                    slots.remove(key);
                } else {
                    s.expiresAt = nanoClock.getAsLong() + ttlNanos;
                }
            }
        }
        if (failure != null) {
            future.completeExceptionally(failure);
        } else {
            future.complete(v);
        }
    }

    synchronized int size() {
        return slots.size();
    }

    /** Forgets everything; calls still in flight fail, so nobody waits for them. */
    void failAll(Throwable failure) {
        java.util.List<Slot> all;
        synchronized (this) {
            all = java.util.List.copyOf(slots.values());
            slots.clear();
        }
        all.forEach(s -> s.future.completeExceptionally(failure));
    }
}
