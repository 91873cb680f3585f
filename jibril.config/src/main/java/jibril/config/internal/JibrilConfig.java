package jibril.config.internal;

import java.util.List;
import java.util.Map;

/**
 * A validated configuration: the file's values with the defaults filled in and the command-line overrides applied.
 *
 * @param logLevel   quiet, fatal, error, warn, info or debug
 * @param health     whether the loopback health endpoint is on
 * @param healthPort its port
 * @param stdout     where events printed to stdout go: {@code stdout} or a file path
 * @param stderr     where logs go: {@code stderr} or a file path
 * @param cadences   cadence key (as in the file, e.g. {@code file-access}) to seconds, in schema order
 * @param caches     cache key (as in the file, e.g. {@code rec-tasks}) to size in units of 1024 entries
 * @param extensions {@code config.extension}
 * @param plugins    {@code config.plugin}
 * @param printers   {@code config.printer}
 * @param events     {@code config.event}
 */
public record JibrilConfig(String logLevel, boolean health, int healthPort, String stdout, String stderr,
        Map<String, Integer> cadences, Map<String, Integer> caches, List<String> extensions, List<Entry> plugins,
        List<Entry> printers, List<String> events) {
}
