package jibril.data.internal;

import java.util.BitSet;

/**
 * Which generations of one kind of fact userland has reported. The kernel stamps each new fact (an exec, a new
 * file action, a new flow) with the next value of a global sequence; facts at or below the cursor are reported,
 * and so are the ones in the set above it. A fact is reported once whether a notice or a sweep brings it, and the
 * cursor (kept in a pinned map by the caller) lets a restarted daemon go on where the last one stopped.
 */
final class Generations {

    /** How far the bit window may trail the cursor before it is moved up (keeps it small, moves rarely). */
    private static final int REBASE = 1 << 16;

    /**
     * The reported generations above the cursor, as bits: bit i is generation {@code base + 1 + i}. A bit set
     * instead of a set of Longs: between two sweeps it may hold a million claims past a hole (a generation whose
     * entry was updated again before anyone read it), and a tree of boxed Longs cost 64 bytes and a log-time
     * walk each.
     */
    private BitSet above = new BitSet();
    private long base;
    private long cursor;
    private long missed;
    private long previousGlobal;

    Generations(long cursor) {
        this.cursor = cursor;
        this.base = cursor;
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

    /**
     * Whether every generation up to the sequence read before the previous sweep is reported: then a walk would
     * move nothing (the cursor is there already) and find, at most, facts whose notices are on their way; a sweep
     * may skip it. Kept true by notices that carry their generation, as long as none is lost.
     */
    synchronized boolean caughtUp() {
        return cursor >= previousGlobal;
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
            moveCursor(global);
        }
        previousGlobal = Math.max(previousGlobal, global);
    }

    synchronized boolean isHandled(long seq) {
        return seq <= cursor || claimed(seq);
    }

    /** Marks seq reported; false when it already was (the caller must not report it again). */
    synchronized boolean claim(long seq) {
        if (seq <= cursor || claimed(seq)) {
            return false;
        }
        long offset = seq - base - 1;
        if (offset >= Integer.MAX_VALUE) {
            return true; // beyond any window (billions of facts since the last sweep): reported, not remembered
        }
        above.set((int) offset);
        advance();
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
        missed += Math.max(0, (global - cursor) - claimedIn(cursor, global));
        moveCursor(global);
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
            if (g > cursor && g <= global && !claimed(g)) {
                firstUnreported = Math.min(firstUnreported, g);
            }
        }
        long to = firstUnreported == Long.MAX_VALUE ? global : firstUnreported - 1;
        if (to > cursor) {
            moveCursor(to);
            advance();
        }
    }

    private boolean claimed(long seq) {
        long offset = seq - base - 1;
        return offset >= 0 && offset < Integer.MAX_VALUE && above.get((int) offset);
    }

    /** Claimed generations in (from, to]. */
    private long claimedIn(long from, long to) {
        long lo = Math.max(0, from - base);
        long hi = Math.min((long) Integer.MAX_VALUE, to - base);
        return hi <= lo ? 0 : above.get((int) lo, (int) hi).cardinality();
    }

    /** The cursor to {@code to} (above it), then over every claim that follows it without a hole. */
    private void moveCursor(long to) {
        cursor = to;
        rebase();
    }

    private void advance() {
        long offset = cursor - base; // the bit of cursor + 1
        while (offset < Integer.MAX_VALUE && above.get((int) offset)) {
            cursor++;
            offset++;
        }
        rebase();
    }

    /** Drops the bits at or below the cursor once they are many, so the window starts near the cursor again. */
    private void rebase() {
        long behind = cursor - base;
        if (behind > 0 && (behind >= REBASE || behind >= above.length())) {
            if (behind >= above.length()) {
                above.clear(); // nothing above the cursor: keep the words (a claim per notice moves it here)
            } else {
                above = above.get((int) behind, above.length());
            }
            base = cursor;
        }
    }
}
