package jibril.printers.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

import jibril.core.api.Event;
import jibril.core.api.Printer;
import jibril.core.api.StatusSource;

/**
 * {@code jibril:printers:void}: takes every event and keeps none, counting them (for benchmarks and for checking
 * that events flow without writing them anywhere).
 */
@Component(service = Printer.class, configurationPid = VoidPrinter.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = Printer.NAME + "=void")
public class VoidPrinter implements Printer, StatusSource {

    static final String PID = "jibril.printer.void";

    private final AtomicLong discarded = new AtomicLong();

    @Activate
    void activate(Map<String, Object> props) {
        new Options(String.valueOf(props.getOrDefault(Printer.NAME, "void"))).onlyKnown(props, Set.of());
    }

    @Override
    public void print(Event event) {
        discarded.incrementAndGet();
    }

    @Override
    public Map<String, Object> status() {
        return Map.of("discarded", discarded.get());
    }
}
