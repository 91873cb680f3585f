package jibril.config.internal;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Makes the owned configurations in a {@link ConfigStore} equal to the wanted ones: creates the missing, updates
 * only those whose properties changed (so components do not restart for nothing), deletes owned ones no longer
 * wanted, and leaves configurations it does not own alone. Pure apart from the store.
 */
public final class Applier {

    /** Properties ConfigAdmin or other agents add, never compared. */
    private static final Set<String> IGNORED = Set.of("service.pid", "service.factoryPid", "service.bundleLocation",
            "felix.fileinstall.filename");

    /**
     * What one apply did.
     *
     * @param created   PIDs created
     * @param updated   PID to a description of what changed
     * @param deleted   PIDs deleted
     * @param unchanged PIDs left as they were
     * @param conflicts configurations in the way that this bundle does not own, left alone (warnings)
     * @param failures  store calls that failed (errors)
     */
    public record Outcome(List<String> created, Map<String, String> updated, List<String> deleted,
            List<String> unchanged, List<String> conflicts, List<String> failures) {

        public boolean changed() {
            return !created.isEmpty() || !updated.isEmpty() || !deleted.isEmpty();
        }

        /** One line for the log: what changed. */
        public String summary() {
            List<String> parts = new ArrayList<>();
            if (!created.isEmpty()) {
                parts.add("created " + String.join(", ", created));
            }
            updated.forEach((pid, what) -> parts.add("updated " + pid + " (" + what + ")"));
            if (!deleted.isEmpty()) {
                parts.add("deleted " + String.join(", ", deleted));
            }
            if (parts.isEmpty()) {
                parts.add("nothing changed");
            }
            return String.join("; ", parts) + "; " + unchanged.size() + " unchanged";
        }
    }

    private Applier() {
    }

    public static Outcome apply(Map<String, Map<String, Object>> wanted, ConfigStore store) {
        List<String> created = new ArrayList<>();
        Map<String, String> updated = new LinkedHashMap<>();
        List<String> deleted = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        List<String> failures = new ArrayList<>();

        Map<String, Map<String, Object>> owned;
        try {
            owned = store.owned();
        } catch (IOException | RuntimeException e) {
            failures.add("cannot list the configurations: " + e);
            return new Outcome(List.of(), Map.of(), List.of(), List.of(), List.of(), List.copyOf(failures));
        }
        for (Map.Entry<String, Map<String, Object>> w : wanted.entrySet()) {
            String pid = w.getKey();
            Map<String, Object> current = owned.get(pid);
            try {
                if (current != null) {
                    String diff = diff(current, w.getValue());
                    if (diff.isEmpty()) {
                        unchanged.add(pid);
                    } else {
                        store.put(pid, w.getValue());
                        updated.put(pid, diff);
                    }
                } else if (store.foreign(pid)) {
                    conflicts.add("configuration " + pid + " exists and was not made from config.yaml (no "
                            + Pids.SOURCE + " property); left alone");
                } else {
                    store.put(pid, w.getValue());
                    created.add(pid);
                }
            } catch (IOException | RuntimeException e) {
                failures.add("cannot write configuration " + pid + ": " + e);
            }
        }
        for (String pid : owned.keySet()) {
            if (!wanted.containsKey(pid)) {
                try {
                    store.delete(pid);
                    deleted.add(pid);
                } catch (IOException | RuntimeException e) {
                    failures.add("cannot delete configuration " + pid + ": " + e);
                }
            }
        }
        return new Outcome(List.copyOf(created), Collections.unmodifiableMap(updated), List.copyOf(deleted), List.copyOf(unchanged),
                List.copyOf(conflicts), List.copyOf(failures));
    }

    /** What differs between the current and wanted properties, e.g. {@code log.level: info -> debug}; empty if equal. */
    static String diff(Map<String, Object> current, Map<String, Object> wanted) {
        Set<String> keys = new TreeSet<>();
        for (String k : current.keySet()) {
            if (!IGNORED.contains(k)) {
                keys.add(k);
            }
        }
        keys.addAll(wanted.keySet());
        Set<String> changes = new LinkedHashSet<>();
        for (String k : keys) {
            Object a = current.get(k);
            Object b = wanted.get(k);
            if (!Objects.deepEquals(a, b)) {
                changes.add(k + ": " + show(Secrets.show(k, a)) + " -> " + show(Secrets.show(k, b)));
            }
        }
        return String.join(", ", changes);
    }

    static String show(Object v) {
        if (v == null) {
            return "(none)";
        }
        if (v.getClass().isArray()) {
            Object[] boxed = new Object[Array.getLength(v)];
            for (int i = 0; i < boxed.length; i++) {
                boxed[i] = Array.get(v, i);
            }
            return Arrays.toString(boxed);
        }
        return String.valueOf(v);
    }
}
