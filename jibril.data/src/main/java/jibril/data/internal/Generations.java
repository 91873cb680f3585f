package jibril.data.internal;

import java.util.TreeSet;

/**
 * Which generations of one kind of fact userland has reported. The kernel stamps each new fact (an exec, a new
 * file action, a new flow) with the next value of a global sequence; facts at or below the cursor are reported,
 * and so are the ones in the set above it. A fact is reported once whether a notice or a sweep brings it, and the
 * cursor (kept in a pinned map by the caller) lets a restarted daemon go on where the last one stopped.
 */
final class Generations {

    private final TreeSet<Long> above = new TreeSet<>();
    private long cursor;
    private long missed;
    private long previousGlobal;

    Generations(long cursor) {
        this.cursor = cursor;
        this.previousGlobal = cursor;
    }

    /**
     * Ends a sweep whose walk began after reading the kernel's sequence as {@code globalBeforeWalk}. The kernel
     * takes a generation a moment before it stores it into the entry, so a walk may not yet see the newest ones:
     * the cursor moves only to the sequence read before the PREVIOUS walk (one sweep of overlap; claiming is
     * idempotent), which every writer has long finished with.
     */
    synchronized void sweepDone(long globalBeforeWalk) {
        sweptUpTo(previousGlobal);
        previousGlobal = Math.max(previousGlobal, globalBeforeWalk);
    }

    synchronized long cursor() {
        return cursor;
    }

    synchronized long missed() {
        return missed;
    }

    /**
     * Moves the cursor over everything up to {@code global} without reporting it: when nobody listens for this
     * kind of fact there is nothing to report (the facts stay in the maps for queries), and nothing is missed.
     */
    synchronized void skipTo(long global) {
        if (global > cursor) {
            above.headSet(global, true).clear();
            cursor = global;
        }
        previousGlobal = Math.max(previousGlobal, global);
    }

    synchronized boolean isHandled(long seq) {
        return seq <= cursor || above.contains(seq);
    }

    /** Marks seq reported; false when it already was (the caller must not report it again). */
    synchronized boolean claim(long seq) {
        if (seq <= cursor || !above.add(seq)) {
            return false;
        }
        while (above.remove(cursor + 1)) {
            cursor++;
        }
        return true;
    }

    /**
     * After a sweep that read every entry and claimed every unreported one: every seq up to {@code global} (the
     * kernel's sequence read before the sweep) is now either reported or gone for good (its entry was updated
     * again before anyone read it, or never stored because a map was full). The cursor moves to global; the gone
     * ones are counted as missed.
     */
    synchronized void sweptUpTo(long global) {
        if (global <= cursor) {
            return;
        }
        var reported = above.headSet(global, true);
        missed += Math.max(0, (global - cursor) - reported.size());
        reported.clear();
        cursor = global;
    }

    /**
     * At a stop: moves the cursor as far as it can without skipping anything unreported, so that a restarted
     * daemon neither reports again what this one did nor misses what it did not. {@code global} is the kernel's
     * sequence read a moment (longer than any writer takes) before {@code present} was walked; {@code present} has
     * the generation of every entry the map holds. Every generation up to global is reported, or gone from the map
     * (superseded or reclaimed), except the unreported present ones: the cursor stops just below the first of them.
     */
    synchronized void settle(long global, Iterable<Long> present) {
        long firstUnreported = Long.MAX_VALUE;
        for (long g : present) {
            if (g > cursor && g <= global && !above.contains(g)) {
                firstUnreported = Math.min(firstUnreported, g);
            }
        }
        long to = firstUnreported == Long.MAX_VALUE ? global : firstUnreported - 1;
        if (to > cursor) {
            above.headSet(to, true).clear();
            cursor = to;
            while (above.remove(cursor + 1)) {
                cursor++;
            }
        }
    }
}
