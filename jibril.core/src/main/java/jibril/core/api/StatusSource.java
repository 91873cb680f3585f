package jibril.core.api;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: a part of the daemon that reports its state to {@code jibril:status} and to the health
 * endpoint. Any bundle may register one.
 */
@ConsumerType
public interface StatusSource {

    /** Service property: the section name in the status report (e.g. {@code printers}). */
    String NAME = "jibril.status.name";

    /**
     * The current state: counters, sizes, last errors. Values are numbers, strings, booleans, lists or maps of
     * those. Must be cheap: it is called on every status or health request.
     */
    Map<String, Object> status();

    /** Whether this part is ready to do its job; the readiness probe is the AND of all sources. */
    default boolean ready() {
        return true;
    }
}
