package jibril.core.internal;

import java.util.Map;

/**
 * The numbers of the status report in the Prometheus text exposition format: every numeric or boolean leaf of the
 * nested report becomes a gauge named {@code jibril_<section>_<key>…}, e.g. {@code jibril_ebpf_counters_tasks_full},
 * except leaves whose key ends in {@code _total}, which only ever grow and are counters (e.g.
 * {@code jibril_taint_records_total}).
 */
final class Metrics {

    private Metrics() {
    }

    static String prometheus(Map<String, Object> status) {
        StringBuilder out = new StringBuilder(4096);
        walk("jibril", status, out);
        return out.toString();
    }

    private static void walk(String prefix, Object value, StringBuilder out) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                walk(prefix + "_" + name(String.valueOf(e.getKey())), e.getValue(), out);
            }
        } else if (value instanceof Number n) {
            out.append("# TYPE ").append(prefix).append(prefix.endsWith("_total") ? " counter\n" : " gauge\n")
                    .append(prefix).append(' ').append(n).append('\n');
        } else if (value instanceof Boolean b) {
            out.append("# TYPE ").append(prefix).append(" gauge\n").append(prefix).append(' ').append(b ? 1 : 0)
                    .append('\n');
        }
    }

    /** Metric names allow [a-zA-Z0-9_:]. */
    static String name(String key) {
        return key.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
