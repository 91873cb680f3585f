package jibril.core.api;

import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: told of every detection after it was handed to the printers (attenuated, if an attenuator is
 * on), with the reactions its recipe declares. The reactions bundle is one; a third party may add others.
 *
 * <p>Called from one dispatch thread, in detection order: return at once (queue any real work), a listener that
 * blocks delays the others. Exceptions are counted and logged.
 */
@ConsumerType
public interface DetectionListener {

    /**
     * @param event     the detection as printed
     * @param reactions the recipe's reactions, in the recipe's order; empty when it has none
     */
    void detected(Event event, List<Reaction> reactions);
}
