package jibril.detect.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType.RecipeException;

/**
 * The {@code times} rate limits of one recipe: at most {@code max} detections per key (process, executable,
 * command line, parent, ancestry, host, or in total). A detection passes only when every limit allows it, and then
 * counts against all of them. Keys are kept in bounded maps (the oldest forgotten first).
 */
final class Times {

    static final Set<String> FIELDS = Set.of("kind", "max");
    static final int MAX_KEYS = 16_384;

    private record Limit(String kind, Function<Subject, String> key, long max, Map<String, long[]> counts) {
    }

    private final List<Limit> limits;

    private Times(List<Limit> limits) {
        this.limits = limits;
    }

    static Times compile(Map<String, Object> recipe) throws RecipeException {
        List<Map<String, Object>> ts = Fields.maps(recipe, "times");
        List<Limit> limits = new ArrayList<>();
        for (int i = 0; i < ts.size(); i++) {
            String at = "times[" + i + "].";
            Map<String, Object> t = ts.get(i);
            try {
                Fields.only(t, "", FIELDS);
            } catch (RecipeException e) {
                throw new RecipeException(at + e.field(), e.getMessage());
            }
            Object kindValue = t.get("kind");
            if (!(kindValue instanceof String kind)) {
                throw new RecipeException(at + "kind", "missing: one of " + String.join(", ", KINDS));
            }
            Function<Subject, String> key = key(kind);
            if (key == null) {
                throw new RecipeException(at + "kind", "'" + kind + "' is not one of " + String.join(", ", KINDS));
            }
            Object maxValue = t.get("max");
            if (!(maxValue instanceof Number n) || n.longValue() < 1 || n.doubleValue() != n.longValue()) {
                throw new RecipeException(at + "max", "must be a whole number of at least 1");
            }
            limits.add(new Limit(kind, key, n.longValue(), lru()));
        }
        return new Times(limits);
    }

    static final List<String> KINDS = List.of("times_per_proc", "times_per_exe", "times_per_cmd",
            "times_per_parent_proc", "times_per_parent_exe", "times_per_parent_cmd", "times_per_full_ancestry",
            "times_per_host", "times_in_total");

    private static Function<Subject, String> key(String kind) {
        return switch (kind) {
            case "times_per_proc" -> s -> Long.toString(s.process().key());
            case "times_per_exe" -> s -> s.process().exe();
            case "times_per_cmd" -> s -> s.process().cmd();
            case "times_per_parent_proc" -> s -> Long.toString(s.process().parentKey());
            case "times_per_parent_exe" -> s -> s.parent() == null ? "" : s.parent().exe();
            case "times_per_parent_cmd" -> s -> s.parent() == null ? "" : s.parent().cmd();
            case "times_per_full_ancestry" -> s -> s.process().exe() + "<" + s.ancestry().stream()
                    .map(ProcessRecord::exe).collect(Collectors.joining("<"));
            case "times_per_host" -> s -> s.process().place().hostname();
            case "times_in_total" -> s -> "";
            default -> null;
        };
    }

    private static Map<String, long[]> lru() {
        return new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> e) {
                return size() > MAX_KEYS;
            }
        };
    }

    /** Whether every limit allows one more detection for this subject; if so, it is counted. */
    synchronized boolean allow(Subject s) {
        List<long[]> counters = new ArrayList<>(limits.size());
        for (Limit l : limits) {
            long[] c = l.counts().computeIfAbsent(l.key().apply(s), k -> new long[1]);
            if (c[0] >= l.max()) {
                return false;
            }
            counters.add(c);
        }
        for (long[] c : counters) {
            c[0]++;
        }
        return true;
    }

    /** The limits as text, for {@code jibril:why}. */
    String describe() {
        return limits.isEmpty() ? "none"
                : limits.stream().map(l -> l.kind() + " max " + l.max() + " (" + l.counts().size() + " keys)")
                        .collect(Collectors.joining(", "));
    }
}
