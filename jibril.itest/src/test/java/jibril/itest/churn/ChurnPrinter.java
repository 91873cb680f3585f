package jibril.itest.churn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import jibril.core.api.Event;
import jibril.core.api.Printer;

/** Keeps the ids of the test's events it is given, in order; {@link #get()} returns a copy. */
public class ChurnPrinter implements Printer, Supplier<List<String>> {

    private final List<String> seen = new ArrayList<>();

    @Override
    public synchronized void print(Event event) {
        if (event.uuid() != null && event.uuid().startsWith("churn-")) {
            seen.add(event.uuid());
        }
    }

    @Override
    public synchronized List<String> get() {
        return new ArrayList<>(seen);
    }
}
