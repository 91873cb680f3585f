package jibril.itest;

import java.util.function.BooleanSupplier;

/** Bounded polling: tests wait for what happens asynchronously, never longer than they say. */
final class Waits {

    private Waits() {
    }

    static boolean until(long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
