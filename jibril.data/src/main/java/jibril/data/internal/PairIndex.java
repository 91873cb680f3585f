package jibril.data.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The task_file pairs by process id, so that a query for one process looks up its few pairs instead of walking
 * every pair in the map (hundreds of thousands on a busy host; the walk costs ~0.5 µs a pair). It holds keys only
 * (task key, file key): the counters and times are read from the kernel map when a query asks.
 * <p>
 * It is a set per pid; a key is never removed one by one: when pairs leave the map (the reclaimer) the owner drops
 * the whole index and builds it again from a walk. A key whose pair is gone is skipped by the lookup that finds it
 * missing. Thread-safe: built and fed on the data layer's thread, read by queries.
 */
final class PairIndex {

    /** One process's pairs: an open-addressing set of (task key, file key), both words 0 meaning empty. */
    private static final class Pairs {
        long[] slots = new long[2 * 8];
        int size;

        boolean add(long task, long file) {
            if ((size + 1) * 4 > slots.length / 2 * 3) {
                grow();
            }
            int mask = slots.length / 2 - 1;
            for (int i = slot(task, file) & mask;; i = (i + 1) & mask) {
                long t = slots[2 * i];
                long f = slots[2 * i + 1];
                if (t == 0 && f == 0) {
                    slots[2 * i] = task;
                    slots[2 * i + 1] = file;
                    size++;
                    return true;
                }
                if (t == task && f == file) {
                    return false;
                }
            }
        }

        private void grow() {
            long[] old = slots;
            slots = new long[old.length * 2];
            size = 0;
            for (int i = 0; i < old.length; i += 2) {
                if (old[i] != 0 || old[i + 1] != 0) {
                    add(old[i], old[i + 1]);
                }
            }
        }

        long[] toArray() {
            long[] out = new long[2 * size];
            int n = 0;
            for (int i = 0; i < slots.length; i += 2) {
                if (slots[i] != 0 || slots[i + 1] != 0) {
                    out[n++] = slots[i];
                    out[n++] = slots[i + 1];
                }
            }
            return out;
        }

        private static int slot(long task, long file) {
            long h = task * 0x9E3779B97F4A7C15L ^ file;
            h ^= h >>> 29;
            h *= 0xBF58476D1CE4E5B9L;
            return (int) (h ^ h >>> 32);
        }
    }

    private final Map<Integer, Pairs> byPid = new HashMap<>();
    private long total;

    /** Adds a pair; a key both of whose words are 0 is not a pair the kernel makes and is ignored. */
    synchronized void add(int pid, long taskKey, long fileKey) {
        if (taskKey == 0 && fileKey == 0) {
            return;
        }
        if (byPid.computeIfAbsent(pid, p -> new Pairs()).add(taskKey, fileKey)) {
            total++;
        }
    }

    /** The pid's pairs as (task key, file key) words one after the other; empty when it has none. */
    synchronized long[] of(int pid) {
        Pairs p = byPid.get(pid);
        return p == null ? new long[0] : p.toArray();
    }

    /** How many pairs the pid has in the index. */
    synchronized int count(int pid) {
        Pairs p = byPid.get(pid);
        return p == null ? 0 : p.size;
    }

    synchronized long total() {
        return total;
    }

    synchronized int processes() {
        return byPid.size();
    }
}
