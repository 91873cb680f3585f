package jibril.attenuator.internal;

import java.util.function.LongSupplier;

/**
 * Stops calling an endpoint that keeps failing: after {@code threshold} failed calls in a row it opens for
 * {@code openMs}, during which {@link #allow} says no; then one trial call is let through (half-open), whose
 * success closes it and whose failure opens it again.
 */
final class Breaker {

    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int threshold;
    private final long openNanos;
    private final LongSupplier nanoClock;
    private State state = State.CLOSED;
    private int failuresInARow;
    private long openUntil;
    private long opened;

    Breaker(int threshold, long openMs, LongSupplier nanoClock) {
        this.threshold = threshold;
        this.openNanos = openMs * 1_000_000;
        this.nanoClock = nanoClock;
    }

    /** Whether a call may go out now; in half-open state only the one trial call. */
    synchronized boolean allow() {
        switch (state) {
            case CLOSED -> {
                return true;
            }
            case OPEN -> {
                if (nanoClock.getAsLong() - openUntil >= 0) {
                    state = State.HALF_OPEN;
                    return true;
                }
                return false;
            }
            default -> {
                return false; // the trial call is out
            }
        }
    }

    synchronized void success() {
        failuresInARow = 0;
        state = State.CLOSED;
    }

    synchronized void failure() {
        failuresInARow++;
        if (state == State.HALF_OPEN || (state == State.CLOSED && failuresInARow >= threshold)) {
            state = State.OPEN;
            openUntil = nanoClock.getAsLong() + openNanos;
            opened++;
        }
    }

    /** A call that was allowed but never made (e.g. no thread was free): a half-open breaker may try again. */
    synchronized void abandoned() {
        if (state == State.HALF_OPEN) {
            state = State.OPEN;
        }
    }

    synchronized State state() {
        return state == State.OPEN && nanoClock.getAsLong() - openUntil >= 0 ? State.HALF_OPEN : state;
    }

    synchronized long opened() {
        return opened;
    }
}
