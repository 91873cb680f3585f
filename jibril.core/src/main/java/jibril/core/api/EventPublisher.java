package jibril.core.api;

import org.osgi.annotation.versioning.ProviderType;

/** Hands events to every registered {@link Printer}. Implemented by the jibril.printers bundle. */
@ProviderType
public interface EventPublisher {

    /** Queues the event for every printer; never blocks on a printer. */
    void publish(Event event);
}
