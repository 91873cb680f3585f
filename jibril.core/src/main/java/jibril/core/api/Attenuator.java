package jibril.core.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: a triage stage between detection and printing (DESIGN §4). Register it as a service (any
 * bundle, also one dropped into {@code deploy/}) and every detection passes through it before the printers see
 * it; several attenuators chain in the order of {@code service.ranking} (highest first).
 *
 * <p>The detection engine calls {@link #attenuate} on a pool thread, never on its matching thread, and waits at
 * most {@link #BUDGET_MS} milliseconds: an attenuator that is slower, throws, or returns the event unchanged lets
 * it through as it was, on time, and the engine counts why ({@code jibril:status}, section {@code detect}).
 */
@ConsumerType
public interface Attenuator {

    /** Service property: the attenuator's name as status and the event's {@code attenuated_by} show it. */
    String NAME = "jibril.attenuator.name";

    /**
     * Service property: the most this attenuator may delay an event, in milliseconds (a number or its text);
     * {@link #DEFAULT_BUDGET_MS} when absent.
     */
    String BUDGET_MS = "jibril.attenuator.budget.ms";

    /** The budget of an attenuator that does not say. */
    long DEFAULT_BUDGET_MS = 10_000;

    /**
     * Judges one detection.
     *
     * @param event the detection as assembled (and as earlier attenuators in the chain left it)
     * @return the event to print, usually {@link Event#withAttenuator} of the argument; the argument itself to
     *         leave it as it is; {@code null} to withhold it from the printers, in which case this attenuator is
     *         responsible for keeping it where the user can find it (a withheld event must not vanish)
     * @throws Exception when it could not judge; the event goes on unattenuated and the failure is counted
     */
    Event attenuate(Event event) throws Exception;
}
