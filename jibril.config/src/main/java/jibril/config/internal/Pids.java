package jibril.config.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a validated configuration becomes ConfigAdmin configurations: one PID per component, properties named with
 * dots. Pure; {@link Applier} writes the result.
 *
 * <ul>
 * <li>{@code jibril.runtime}: {@code log.level} String, {@code health.enabled} Boolean, {@code health.port}
 * Integer, {@code stdout} String, {@code stderr} String</li>
 * <li>{@code jibril.cadences}: {@code file.access}, {@code network.peers}, {@code network.flows},
 * {@code env.vars}, Integer seconds</li>
 * <li>{@code jibril.caches}: one Integer per cache ({@code rec.tasks}, {@code task.file}...) in entries (units
 * &times; 1024)</li>
 * <li>{@code jibril.extensions}: {@code names} String[]; {@code jibril.events}: {@code enabled} String[]</li>
 * <li>{@code <ext>.plugin.<name>} per {@code config.plugin} entry and {@code <ext>.printer.<kind>~<name>} per
 * {@code config.printer} entry: the entry's options as Strings, and {@code jibril.entry} = the entry text; a
 * printer is the factory configuration {@code <ext>.printer.<kind>~<name>} (kind: its {@code type} option, else
 * its name) with {@code jibril.printer.name} = its name</li>
 * </ul>
 * Every configuration also carries {@code jibril.source} = the file path or {@code embedded}: it marks the
 * configurations this bundle owns.
 */
public final class Pids {

    private Pids() {
    }

    public static final String RUNTIME = "jibril.runtime";
    public static final String CADENCES = "jibril.cadences";
    public static final String CACHES = "jibril.caches";
    public static final String EXTENSIONS = "jibril.extensions";
    public static final String EVENTS = "jibril.events";

    /** Marks a configuration made by this bundle; the value is the file path or {@link #EMBEDDED}. */
    public static final String SOURCE = "jibril.source";
    /** The {@code config.plugin} or {@code config.printer} entry a configuration comes from. */
    public static final String ENTRY = "jibril.entry";
    /** The value of {@link #SOURCE} when the embedded default configuration is in use. */
    public static final String EMBEDDED = "embedded";

    public static final String LOG_LEVEL = "log.level";
    public static final String HEALTH_ENABLED = "health.enabled";
    public static final String HEALTH_PORT = "health.port";
    public static final String STDOUT = "stdout";
    public static final String STDERR = "stderr";
    public static final String NAMES = "names";
    public static final String ENABLED = "enabled";
    /** The printer's name (jibril.core.api.Printer.NAME), given to the instances of a printer kind. */
    public static final String PRINTER_NAME = "jibril.printer.name";

    /** The configurations for {@code config}, PID to properties, in a stable order. */
    public static Map<String, Map<String, Object>> of(JibrilConfig config, String source) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();

        Map<String, Object> runtime = new LinkedHashMap<>();
        runtime.put(LOG_LEVEL, config.logLevel());
        runtime.put(HEALTH_ENABLED, config.health());
        runtime.put(HEALTH_PORT, config.healthPort());
        runtime.put(STDOUT, config.stdout());
        runtime.put(STDERR, config.stderr());
        put(out, RUNTIME, runtime, source);

        Map<String, Object> cadences = new LinkedHashMap<>();
        config.cadences().forEach((k, v) -> cadences.put(dotted(k), v));
        put(out, CADENCES, cadences, source);

        Map<String, Object> caches = new LinkedHashMap<>();
        config.caches().forEach((k, v) -> caches.put(dotted(k), v * Schema.CACHE_UNIT));
        put(out, CACHES, caches, source);

        put(out, EXTENSIONS, Map.of(NAMES, config.extensions().toArray(String[]::new)), source);
        put(out, EVENTS, Map.of(ENABLED, config.events().toArray(String[]::new)), source);

        for (Entry e : config.plugins()) {
            put(out, e.pid(), entry(e), source);
        }
        for (Entry e : config.printers()) {
            Map<String, Object> props = entry(e);
            props.remove(Entry.TYPE); // the kind is the factory PID, not an option the printer reads
            props.put(PRINTER_NAME, e.printer()); // its name in status, metrics and logs
            put(out, e.pid(), props, source);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Map<String, Object> entry(Entry e) {
        Map<String, Object> props = new LinkedHashMap<>(e.options());
        props.put(ENTRY, e.text());
        return props;
    }

    private static void put(Map<String, Map<String, Object>> out, String pid, Map<String, Object> props,
            String source) {
        Map<String, Object> p = new LinkedHashMap<>(props);
        p.put(SOURCE, source);
        out.put(pid, Collections.unmodifiableMap(p));
    }

    /** {@code rec-tasks} to {@code rec.tasks}. */
    static String dotted(String key) {
        return key.replace('-', '.');
    }
}
