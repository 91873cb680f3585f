package jibril.detect.internal;

import java.nio.file.Path;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The options of the {@code jibril:alchemies} plugin entry ({@code jibril:alchemies:builtin=true:path=DIR}): where
 * users keep their recipes and whether the built-in library loads. Present only while the entry is configured; the
 * engine follows it dynamically.
 */
@Component(service = AlchemiesOptions.class, configurationPid = "jibril.plugin.alchemies",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
public class AlchemiesOptions {

    @ObjectClassDefinition(name = "Jibril recipes (alchemies)")
    @interface Config {
        @AttributeDefinition(description = "A directory (watched, with sub-directories) or one file of YAML recipes")
        String path() default "";

        @AttributeDefinition(description = "Whether the built-in recipe library loads")
        String builtin() default "true";

        @AttributeDefinition(description = "Milliseconds between checks of the recipes directory (50-60000)")
        String interval() default "1000";
    }

    private volatile Path path;
    private volatile boolean builtin = true;
    private volatile long intervalMs = 1000;

    @Activate
    void activate(Config config) {
        path = config.path().isBlank() ? null : Path.of(config.path()).toAbsolutePath().normalize();
        builtin = !config.builtin().strip().equalsIgnoreCase("false");
        try {
            intervalMs = Math.max(50, Math.min(60_000, Long.parseLong(config.interval().strip())));
        } catch (NumberFormatException e) {
            intervalMs = 1000;
        }
    }

    /** How often the directory is checked for changes. */
    long intervalMs() {
        return intervalMs;
    }

    /** The recipes directory or file, or null. */
    Path path() {
        return path;
    }

    boolean builtin() {
        return builtin;
    }
}
