package jibril.detect.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import jibril.core.api.RecipeType.RecipeException;

/**
 * The {@code bases} of a file recipe: a path matches when any entry matches; an entry ANDs its {@code base} (file
 * name, exact), {@code dir} (directory, exact) and {@code regex} (searched in the absolute path). Entries with only
 * a base or only a dir are looked up in hash sets, so a list of hundreds of names costs one lookup.
 */
final class Bases {

    static final Set<String> FIELDS = Set.of("base", "dir", "regex");

    /** {@code prefix}: what every path the regex matches starts with (see {@link #anchoredPrefix}), or null. */
    private record Entry(String base, String dir, Pattern regex, String prefix) {
        boolean matches(String path, String dir, String base) {
            return (this.base == null || this.base.equals(base)) && (this.dir == null || this.dir.equals(dir))
                    && (prefix == null || path.startsWith(prefix)) && (regex == null || regex.matcher(path).find());
        }
    }

    /**
     * The literal text a regex demands at the start of the input, when it is anchored ({@code ^/proc/} of
     * {@code ^/proc/[0-9]+/maps$}): the regex cannot match a path without it, so a plain {@code startsWith} spares
     * the regex for nearly every path. Null when that is not certain: no leading {@code ^}, a {@code |} outside
     * brackets or groups (an alternative need not be anchored), or nothing literal. The run stops at the first
     * metacharacter or escape, and gives back its last character when a quantifier follows it ({@code ^/ab?}).
     */
    static String anchoredPrefix(String regex) {
        if (!regex.startsWith("^") || regex.contains("[]") || regex.contains("[^]")) {
            return null; // (the odd class forms would fool the scan for a top-level '|')
        }
        int depth = 0;
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '|' && depth == 0) {
                return null;
            }
        }
        StringBuilder run = new StringBuilder();
        for (int i = 1; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if ("\\.[]{}()*+?^$|".indexOf(c) >= 0) {
                if ((c == '?' || c == '*' || c == '{') && run.length() > 0) {
                    run.setLength(run.length() - 1); // the character before is optional or repeated
                }
                break;
            }
            run.append(c);
        }
        return run.isEmpty() ? null : run.toString();
    }

    private final Set<String> bases = new HashSet<>();
    private final Set<String> dirs = new HashSet<>();
    private final List<Entry> others = new ArrayList<>();

    static Bases compile(Map<String, Object> recipe) throws RecipeException {
        Bases b = new Bases();
        List<Map<String, Object>> es = Fields.maps(recipe, "bases");
        for (int i = 0; i < es.size(); i++) {
            String at = "bases[" + i + "].";
            Map<String, Object> e = es.get(i);
            try {
                Fields.only(e, "", FIELDS);
                String base = Fields.text(e, "base");
                String dir = Fields.text(e, "dir");
                String regex = Fields.text(e, "regex");
                if (base == null && dir == null && regex == null) {
                    throw new RecipeException("base", "an entry needs a base, a dir or a regex");
                }
                if (dir != null && dir.length() > 1 && dir.endsWith("/")) {
                    dir = dir.substring(0, dir.length() - 1);
                }
                Pattern p = regex == null ? null : Fields.regex("regex", regex);
                if (regex == null && dir == null) {
                    b.bases.add(base);
                } else if (regex == null && base == null) {
                    b.dirs.add(dir);
                } else {
                    b.others.add(new Entry(base, dir, p, regex == null ? null : anchoredPrefix(regex)));
                }
            } catch (RecipeException ex) {
                throw new RecipeException(at + ex.field(), ex.getMessage());
            }
        }
        return b;
    }

    boolean isEmpty() {
        return bases.isEmpty() && dirs.isEmpty() && others.isEmpty();
    }

    /** Whether the path, given with its directory and name (Arbitrary.dir and Arbitrary.base of it), matches. */
    boolean matches(String path, String dir, String base) {
        if (bases.contains(base) || dirs.contains(dir)) {
            return true;
        }
        for (Entry e : others) {
            if (e.matches(path, dir, base)) {
                return true;
            }
        }
        return false;
    }
}
