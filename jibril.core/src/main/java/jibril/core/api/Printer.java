package jibril.core.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: a sink for events. Register it as a service (any bundle, also one dropped into
 * {@code deploy/}) and it receives every event from then on, until it is unregistered.
 *
 * <p>Each printer is fed from its own bounded queue on its own thread, so a slow printer delays neither
 * detection nor the other printers; events it could not take in time are counted and shown by
 * {@code jibril:status}.
 */
@ConsumerType
public interface Printer {

    /** Service property: the printer's name as status and logs show it (e.g. {@code stdout}). */
    String NAME = "jibril.printer.name";

    /**
     * Writes one event. Called from one thread at a time, in the order events were published.
     *
     * @throws Exception when the event could not be written; it is counted and logged, the printer stays
     */
    void print(Event event) throws Exception;

    /** Makes written events durable (flushes buffers). Called when the queue runs empty. */
    default void flush() throws Exception {
    }
}
