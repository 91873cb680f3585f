package jibril.core.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: told of every new fact the data layer finds, once, whether a notice announced it or a sweep
 * found it. Called on the data layer's thread: return quickly (queue work of your own if it is slow).
 */
@ConsumerType
public interface ObservationListener {

    /** A process executed a program. */
    default void executed(ProcessRecord process) {
    }
}
