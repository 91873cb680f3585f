/**
 * Jibril's public API: the event records every printer receives (the JSON event format of the original
 * product, DESIGN §5) and the service interfaces that bundles meet through in the registry.
 *
 * <p>Whiteboard SPIs ({@link jibril.core.api.Printer}, {@link jibril.core.api.StatusSource},
 * {@link jibril.core.api.RecipeType}, {@link jibril.core.api.Attenuator}, {@link jibril.core.api.DetectionListener},
 * {@link jibril.core.api.ReactionRunner}) are implemented by any bundle, including third-party jars dropped into
 * {@code deploy/}; provider services ({@link jibril.core.api.EventPublisher}, {@link jibril.core.api.Daemon},
 * {@link jibril.core.api.Query}, {@link jibril.core.api.NetPolicy}) are implemented by Jibril's own bundles.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package jibril.core.api;
