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

    /**
     * {@code prefix}: what every path the regex matches starts with (see {@link #anchoredPrefix}), or null;
     * {@code literal}: text every path it matches contains (see {@link #requiredLiteral}), or null.
     */
    private record Entry(String base, String dir, Pattern regex, String prefix, String literal, boolean foldCase) {
        boolean matches(String path, String dir, String base) {
            return (this.base == null || this.base.equals(base)) && (this.dir == null || this.dir.equals(dir))
                    && (prefix == null || path.startsWith(prefix))
                    && (literal == null || (foldCase ? containsIgnoreCase(path, literal) : path.contains(literal)))
                    && (regex == null || regex.matcher(path).find());
        }
    }

    /** Whether the text holds the literal in any case (Unicode folding: it never refuses what (?i) accepts). */
    static boolean containsIgnoreCase(String text, String literal) {
        if (literal.isEmpty()) {
            return true;
        }
        // regionMatches(true, ...) only where the first character matches as it would compare it: same char, same
        // upper case, or same lower case of the upper case
        char first = literal.charAt(0);
        char upper = Character.toUpperCase(first);
        char lowerOfUpper = Character.toLowerCase(upper);
        for (int i = 0, last = text.length() - literal.length(); i <= last; i++) {
            char c = text.charAt(i);
            if (c != first) {
                char u = Character.toUpperCase(c);
                if (u != upper && Character.toLowerCase(u) != lowerOfUpper) {
                    continue;
                }
            }
            if (text.regionMatches(true, i + 1, literal, 1, literal.length() - 1)) {
                return true;
            }
        }
        return false;
    }

    /** The regex without a leading {@code (?i)}, the only flag whose text can still be demanded (in any case). */
    static String withoutFoldFlag(String regex) {
        return regex.startsWith("(?i)") ? regex.substring(4) : null;
    }

    /**
     * The longest run of literal text (two characters or more) a regex demands somewhere in its input
     * ({@code /.aws/credentials} of {@code /\.aws/credentials$}): a path without it cannot match, and a plain
     * {@code contains} is much cheaper than a regex search, which tries every position. Only runs outside groups
     * and classes count; null when that is not certain: a {@code |} outside groups (an alternative need not hold
     * the run), embedded flags or quoting ({@code (?i)}, {@code \Q}), or no run that long. An escaped punctuation
     * character is literal; a class escape ({@code \d}) ends the run, and a quantifier takes back the character
     * before it.
     */
    static String requiredLiteral(String regex) {
        if (regex.contains("(?") || regex.contains("\\Q") || regex.contains("[]") || regex.contains("[^]")
                || topLevelAlternation(regex)) {
            return null;
        }
        String best = null;
        StringBuilder run = new StringBuilder();
        int depth = 0;
        boolean inClass = false;
        for (int i = 0; i <= regex.length(); i++) {
            char c = i < regex.length() ? regex.charAt(i) : '$';
            boolean literal = false;
            if (inClass) {
                if (c == '\\') {
                    i++;
                } else {
                    inClass = c != ']';
                }
            } else if (c == '\\' && i + 1 < regex.length()) {
                char e = regex.charAt(++i);
                if (!Character.isLetterOrDigit(e) && depth == 0) {
                    c = e;
                    literal = true;
                }
            } else if (c == '[') {
                inClass = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if ("{}*+?^$|.".indexOf(c) < 0) {
                literal = depth == 0;
            } else {
                if ((c == '?' || c == '*' || c == '{') && run.length() > 0) {
                    run.setLength(run.length() - 1);
                }
                if (c == '{') {
                    i = Math.max(i, regex.indexOf('}', i)); // the bounds are not text
                }
            }
            if (literal) {
                run.append(c);
            } else {
                if (run.length() >= 2 && (best == null || run.length() > best.length())) {
                    best = run.toString();
                }
                run.setLength(0);
            }
        }
        return best;
    }

    /** Whether a {@code |} stands outside every group and class of the regex. */
    private static boolean topLevelAlternation(String regex) {
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
                return true;
            }
        }
        return false;
    }

    /**
     * The literal text a regex demands at the start of the input, when it is anchored ({@code ^/proc/} of
     * {@code ^/proc/[0-9]+/maps$}): the regex cannot match a path without it, so a plain {@code startsWith} spares
     * the regex for nearly every path. Null when that is not certain: no leading {@code ^}, a {@code |} outside
     * brackets or groups (an alternative need not be anchored), or nothing literal. The run stops at the first
     * metacharacter or escape, and gives back its last character when a quantifier follows it ({@code ^/ab?}).
     */
    static String anchoredPrefix(String regex) {
        if (!regex.startsWith("^") || regex.contains("[]") || regex.contains("[^]") || topLevelAlternation(regex)) {
            return null; // (the odd class forms would fool the scan for a top-level '|')
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
                    String folded = regex == null ? null : withoutFoldFlag(regex);
                    String literal = regex == null ? null : requiredLiteral(folded != null ? folded : regex);
                    b.others.add(new Entry(base, dir, p, regex == null ? null : anchoredPrefix(regex), literal,
                            folded != null));
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
