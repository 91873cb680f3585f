package jibril.detect.internal;

/**
 * The detection keys already reported, the oldest forgotten first once {@code capacity} are held: a set of 64-bit
 * hashes in an open-addressing table (linear probing, deletion by backward shift) with a ring for the order. About
 * 24 bytes a key instead of a String and a linked map entry (~200 bytes); at 262 144 keys, 6 MB instead of 50. Two
 * keys share a hash with odds of about 2^-64 each: a repeat may then be taken for new or the reverse, once in
 * billions of years of detections. Not thread-safe.
 */
final class SeenKeys {

    private final long[] table;
    private final long[] ring;
    private final int mask;
    private int head;
    private int size;

    SeenKeys(int capacity) {
        ring = new long[capacity];
        int slots = Integer.highestOneBit(Math.max(4, capacity) * 2 - 1) << 1; // ≥ 2 × capacity: short probes
        table = new long[slots];
        mask = slots - 1;
    }

    /** The 64-bit FNV-1a hash of the text, never 0 (0 marks an empty slot). */
    static long hash(CharSequence text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            h = (h ^ (c & 0xff)) * 0x100000001b3L;
            h = (h ^ (c >>> 8)) * 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }

    boolean contains(long key) {
        for (int i = slot(key);; i = (i + 1) & mask) {
            long k = table[i];
            if (k == 0) {
                return false;
            }
            if (k == key) {
                return true;
            }
        }
    }

    /** Adds the key (when new), forgetting the oldest one if the set is full. */
    void add(long key) {
        if (contains(key)) {
            return;
        }
        if (size == ring.length) {
            remove(ring[head]);
            head = (head + 1) % ring.length;
            size--;
        }
        ring[(head + size) % ring.length] = key;
        size++;
        insert(key);
    }

    int size() {
        return size;
    }

    private int slot(long key) {
        long z = key * 0x9E3779B97F4A7C15L;
        return (int) (z >>> 40) & mask;
    }

    private void insert(long key) {
        int i = slot(key);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = key;
    }

    private void remove(long key) {
        int i = slot(key);
        while (table[i] != key) {
            if (table[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        // Backward shift: move later entries of the probe run into the hole when their home allows it.
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
            int home = slot(table[j]);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = 0;
    }
}
