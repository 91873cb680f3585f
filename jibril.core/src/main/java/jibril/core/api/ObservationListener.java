package jibril.core.api;

import java.util.List;

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

    /** A process did something to a file for the first time: a new (process, file) pair, or a new action on it. */
    default void fileActions(FileRecord file, List<String> actions) {
    }

    /** A process opened a flow, or did something new on it (connect, accept, send, recv, close). */
    default void flow(FlowRecord flow, List<String> newActions) {
    }

    /** A name was resolved on the host. */
    default void resolved(DomainRecord domain) {
    }
}
