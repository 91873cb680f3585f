package jibril.config.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Command-line overrides, given to the framework as properties by the launcher. They win over the file:
 * the scalars replace the file's values; the lists add entries to the file's lists (a plugin or printer entry for
 * a PID the file already configures replaces the file's entry).
 *
 * @param logLevel {@code jibril.log-level}, or {@code null}
 * @param stdout   {@code jibril.stdout}, or {@code null}
 * @param stderr   {@code jibril.stderr}, or {@code null}
 * @param plugins  {@code jibril.plugins}: entries to add to {@code config.plugin}
 * @param printers {@code jibril.printers}: entries to add to {@code config.printer}
 * @param events   {@code jibril.events}: entries to add to {@code config.event}
 */
public record Overrides(String logLevel, String stdout, String stderr, List<String> plugins, List<String> printers,
        List<String> events) {

    public static final String LOG_LEVEL = "jibril.log-level";
    public static final String STDOUT = "jibril.stdout";
    public static final String STDERR = "jibril.stderr";
    public static final String PLUGINS = "jibril.plugins";
    public static final String PRINTERS = "jibril.printers";
    public static final String EVENTS = "jibril.events";

    public static final Overrides NONE = new Overrides(null, null, null, List.of(), List.of(), List.of());

    public Overrides {
        plugins = List.copyOf(plugins);
        printers = List.copyOf(printers);
        events = List.copyOf(events);
    }

    /** Reads the overrides from framework properties ({@code BundleContext::getProperty}). */
    public static Overrides from(Function<String, String> properties) {
        return new Overrides(blankToNull(properties.apply(LOG_LEVEL)), blankToNull(properties.apply(STDOUT)),
                blankToNull(properties.apply(STDERR)), split(properties.apply(PLUGINS)),
                split(properties.apply(PRINTERS)), split(properties.apply(EVENTS)));
    }

    public boolean isEmpty() {
        return logLevel == null && stdout == null && stderr == null && plugins.isEmpty() && printers.isEmpty()
                && events.isEmpty();
    }

    /** Splits a list given as one property: entries separated by commas or newlines; blanks are dropped. */
    static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String s : value.split("[,\\r\\n]")) {
                String t = s.strip();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
