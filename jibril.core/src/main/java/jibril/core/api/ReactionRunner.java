package jibril.core.api;

import java.time.Duration;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: runs the reactions of one {@code format} ({@link #FORMAT}). The reactions bundle ships
 * {@code js} and {@code shell}; a bundle dropped into {@code deploy/} may add another, and recipes using it load
 * from then on. The detection engine asks {@link #validate} when a recipe loads, so a broken reaction refuses its
 * recipe file with the reason.
 */
@ConsumerType
public interface ReactionRunner {

    /** Service property: the {@code format} value this runner serves. */
    String FORMAT = "jibril.reaction.format";

    /**
     * Checks a reaction's code without running it.
     *
     * @throws IllegalArgumentException with the reason (and line, when known) when it cannot run
     */
    void validate(String code);

    /**
     * Runs one reaction for one detection and returns what it printed or returned (may be empty). Must stop by
     * itself within {@code limit}.
     *
     * @throws Exception when it failed, overran or was refused; the message is reported in the reaction's event
     */
    String run(Reaction reaction, Event event, Duration limit) throws Exception;
}
