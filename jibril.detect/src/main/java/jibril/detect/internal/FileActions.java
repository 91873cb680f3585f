package jibril.detect.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The file actions recipes name, and their macros (docs/RECIPES.md). */
final class FileActions {

    private FileActions() {
    }

    static final List<String> ALL = List.of("fasync", "flock", "fsync", "llseek", "mmap", "open", "read", "write",
            "rename", "truncate", "unlink", "create", "close", "link", "execve");

    /** The bit of {@code execve}: an execution is the executed binary's file observation with this action. */
    static final int EXECVE = 1 << ALL.indexOf("execve");

    /**
     * The actions as a bit mask, bit i for {@code ALL.get(i)}; names outside ALL add nothing.
     *
     * @param names action names
     * @return the mask
     */
    static int mask(java.util.Collection<String> names) {
        int m = 0;
        for (String n : names) {
            Integer bit = BITS.get(n);
            if (bit != null) {
                m |= bit;
            }
        }
        return m;
    }

    /** The bit of each name in ALL (asked per observation: a lookup instead of a scan of fifteen names). */
    private static final Map<String, Integer> BITS = bits();

    private static Map<String, Integer> bits() {
        Map<String, Integer> m = new java.util.HashMap<>();
        for (int i = 0; i < ALL.size(); i++) {
            m.put(ALL.get(i), 1 << i);
        }
        return Map.copyOf(m);
    }

    private static final List<String> ACCESS = List.of("open", "read", "write", "mmap", "llseek", "rename", "truncate",
            "unlink", "create", "link", "execve");

    static final Map<String, List<String>> MACROS = Map.of(
            "any", ALL,
            "open_related", List.of("open", "create"),
            "read_related", List.of("open", "read", "mmap", "llseek"),
            "modify_related", List.of("write", "rename", "truncate", "unlink", "create", "link"),
            "access_related", ACCESS,
            "access_no_mmap_related", ACCESS.stream().filter(a -> !a.equals("mmap")).toList(),
            "tamper_related", List.of("write", "rename", "truncate", "unlink", "link"));

    /** Expands names and macros; IllegalArgumentException naming an unknown one. */
    static Set<String> expand(List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            String a = n.strip().toLowerCase(java.util.Locale.ROOT);
            if (MACROS.containsKey(a)) {
                out.addAll(MACROS.get(a));
            } else if (ALL.contains(a)) {
                out.add(a);
            } else {
                throw new IllegalArgumentException("unknown file action '" + n + "' (one of " + String.join(", ", ALL)
                        + ", or a macro: " + String.join(", ", MACROS.keySet().stream().sorted().toList()) + ")");
            }
        }
        return out;
    }
}
