package jibril.config.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The config.yaml schema in one place: sections, keys, defaults, ranges, and the keys of the original product that
 * are accepted but ignored. {@code default-config.yaml} in this bundle documents the same values for users; a unit
 * test checks that the two agree.
 */
final class Schema {

    private Schema() {
    }

    static final String RUN_TIME = "run-time";
    static final String CADENCES = "cadences";
    static final String CACHES = "caches";
    static final String CONFIG = "config";
    /** Options per printer name, for the {@code config.printer} entries of that name. */
    static final String PRINTERS = "printers";
    static final List<String> SECTIONS = List.of(RUN_TIME, CADENCES, CACHES, CONFIG, PRINTERS);

    static final String LOG_LEVEL = "log-level";
    static final String HEALTH = "health";
    static final String HEALTH_PORT = "health-port";
    static final String STDOUT = "stdout";
    static final String STDERR = "stderr";
    static final List<String> RUN_TIME_KEYS = List.of(LOG_LEVEL, HEALTH, HEALTH_PORT, STDOUT, STDERR);

    /** Log levels, in order of verbosity; {@code warning} is read as {@code warn}. */
    static final List<String> LOG_LEVELS = List.of("quiet", "fatal", "error", "warn", "info", "debug");
    static final String LOG_LEVEL_ALIAS_WARNING = "warning";

    static final String DEFAULT_LOG_LEVEL = "info";
    static final boolean DEFAULT_HEALTH = true;
    static final int DEFAULT_HEALTH_PORT = 9773;
    static final int MIN_PORT = 1;
    static final int MAX_PORT = 65535;
    static final String DEFAULT_STDOUT = "stdout";
    static final String DEFAULT_STDERR = "stderr";

    /** Cadences in seconds. */
    static final List<String> CADENCE_KEYS = List.of("file-access", "network-peers", "network-flows", "env-vars");
    static final int DEFAULT_CADENCE = 9;
    static final int MIN_CADENCE = 1;
    static final int MAX_CADENCE = 3600;

    /** Cache sizes in units of {@link #CACHE_UNIT} entries. */
    static final List<String> CACHE_KEYS = List.of("rec-tasks", "tasks", "cmds", "args", "files", "dirs", "bases",
            "task-file", "file-task", "task-ref", "flows", "task-flow", "flow-task", "flow-ref");
    static final int DEFAULT_CACHE = 64;
    static final int MIN_CACHE = 1;
    static final int MAX_CACHE = 65536;
    static final int CACHE_UNIT = 1024;

    static final String EXTENSION = "extension";
    static final String PLUGIN = "plugin";
    static final String PRINTER = "printer";
    static final String EVENT = "event";
    static final List<String> CONFIG_KEYS = List.of(EXTENSION, PLUGIN, PRINTER, EVENT);

    static final List<String> DEFAULT_EXTENSIONS = List.of("config", "data", "jibril");
    static final List<String> DEFAULT_PLUGINS = List.of("jibril:hold", "jibril:procfs", "jibril:printers",
            "jibril:detect", "jibril:alchemies:path=/etc/jibril/alchemies", "jibril:reactions");
    static final List<String> DEFAULT_PRINTERS = List.of("jibril:printers:stdout");
    static final List<String> DEFAULT_EVENTS = List.of();

    /**
     * Keys the original Jibril knew that this version accepts and ignores, with a hint for the warning, in a stable order. Each may
     * stand in {@code run-time} (where the original had them) or at the top level of the file. Any other unknown key
     * is an error.
     */
    static final Map<String, String> IGNORED_KEYS = ignored();

    /** Where an ignored key may stand: the top level ("") or the run-time section. */
    static final Set<String> IGNORED_KEY_SECTIONS = Set.of("", RUN_TIME);

    private static Map<String, String> ignored() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("profiler", "this version has no built-in profiler");
        m.put("cardinal", "the original's cardinality setting has no counterpart: every distinct fact is kept");
        m.put("daemon", "Jibril always runs in the foreground; run it under systemd or as a DaemonSet");
        m.put("notify", "systemd readiness notification is handled by the jibril.hold bundle");
        m.put("chop-lines", "events are always printed as one JSON object per line");
        m.put("no-health", "use run-time.health: false to turn the health endpoint off");
        return Collections.unmodifiableMap(m);
    }
}
