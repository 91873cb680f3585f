package jibril.data.internal;

/**
 * Userland copies of dictionary strings, by their kernel key: two-way set associative, a fixed array of immutable
 * slots, no lock and no allocation on a hit. A key's string never changes, so a stale slot is only ever a miss.
 * Under a flood of one-off paths the synchronized access-ordered map this replaces spent more on its own
 * bookkeeping (an entry allocated and the eldest unlinked per miss) than the kernel lookup behind it.
 */
final class StringCache {

    private record Slot(long key, String value) {
    }

    private final Slot[] slots;
    private final int mask;

    /** @param capacity at least this many strings fit (rounded up to a power of two, at least 2) */
    StringCache(int capacity) {
        int n = capacity <= 2 ? 2 : Integer.highestOneBit(capacity - 1) << 1;
        this.slots = new Slot[n];
        this.mask = (n - 1) & ~1;
    }

    int capacity() {
        return slots.length;
    }

    private int set(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    /** The string under this key, or null when it is not cached. */
    String get(long key) {
        int i = set(key);
        Slot a = slots[i];
        if (a != null && a.key() == key) {
            return a.value();
        }
        Slot b = slots[i + 1];
        if (b != null && b.key() == key) {
            // Keep the set's most recent entry first, so that the next miss evicts the older one.
            slots[i + 1] = a;
            slots[i] = b;
            return b.value();
        }
        return null;
    }

    /** Caches a string; the older entry of its set makes room. */
    void put(long key, String value) {
        int i = set(key);
        Slot a = slots[i];
        if (a != null && a.key() == key) {
            return;
        }
        slots[i + 1] = a;
        slots[i] = new Slot(key, value);
    }
}
