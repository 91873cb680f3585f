package jibril.detect.internal;

import java.util.ArrayList;
import java.util.HashMap;
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
    private record Entry(String base, String dir, Pattern regex, String prefix, String literal, FoldedLiteral folded,
            Suffixes suffixes) {
        boolean matches(String path, String dir, String base) {
            return (this.base == null || this.base.equals(base)) && (this.dir == null || this.dir.equals(dir))
                    && (prefix == null || path.startsWith(prefix))
                    && (suffixes == null || suffixes.end(path))
                    && (literal == null || (folded != null ? folded.in(path) : path.contains(literal)))
                    && (regex == null || regex.matcher(path).find());
        }
    }

    /** Whether the text holds the literal in any case (Unicode folding: it never refuses what (?i) accepts). */
    static boolean containsIgnoreCase(String text, String literal) {
        return new FoldedLiteral(literal).in(text);
    }

    /**
     * A literal searched for in any case, prepared once per recipe entry: which ASCII characters can begin it is
     * a table, so a path (ASCII nearly always) is scanned without case-converting each of its characters.
     */
    static final class FoldedLiteral {
        private final String literal;
        private final char first;
        private final char upper;
        private final char lowerOfUpper;
        private final boolean[] asciiFirst = new boolean[128];

        FoldedLiteral(String literal) {
            this.literal = literal;
            this.first = literal.isEmpty() ? 0 : literal.charAt(0);
            this.upper = Character.toUpperCase(first);
            this.lowerOfUpper = Character.toLowerCase(upper);
            for (char c = 0; c < 128; c++) {
                asciiFirst[c] = canBegin(c);
            }
        }

        // regionMatches(true, ...) compares a character as this does: same char, same upper case, or same lower
        // case of the upper case
        private boolean canBegin(char c) {
            if (c == first) {
                return true;
            }
            char u = Character.toUpperCase(c);
            return u == upper || Character.toLowerCase(u) == lowerOfUpper;
        }

        boolean in(String text) {
            if (literal.isEmpty()) {
                return true;
            }
            for (int i = 0, last = text.length() - literal.length(); i <= last; i++) {
                char c = text.charAt(i);
                if ((c < 128 ? asciiFirst[c] : canBegin(c))
                        && text.regionMatches(true, i + 1, literal, 1, literal.length() - 1)) {
                    return true;
                }
            }
            return false;
        }
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

    /**
     * The texts one of which a regex that ends in {@code $} demands at the end of the input: {@code /config.json}
     * of {@code /xmrig[^/]*\/config\.json$}; {@code /sh}, {@code /bash} of {@code /(sh|bash)$}. Most recipes name
     * files by their end, and a path that ends otherwise (nearly every path) is refused without searching the regex.
     * Only a literal tail at the top level counts, optionally after one unquantified group that is a plain
     * alternation of literals (with the literal run before that group); null when that is not certain (as for
     * {@link #requiredLiteral}: embedded flags, quoting, a top-level {@code |}, an escaped {@code $}). As {@code $}
     * does, a path may also end in the text followed by one line terminator. With {@code foldCase} the ends are
     * compared in any case.
     */
    static final class Suffixes {
        private final String[] ends;
        private final boolean foldCase;

        private Suffixes(List<String> ends, boolean foldCase) {
            this.ends = ends.toArray(String[]::new);
            this.foldCase = foldCase;
        }

        static Suffixes of(String regex, boolean foldCase) {
            List<String> ends = requiredSuffixes(regex);
            return ends == null ? null : new Suffixes(ends, foldCase);
        }

        boolean end(String path) {
            int n = path.length();
            for (String e : ends) {
                if (endsAt(path, n, e)) {
                    return true;
                }
            }
            if (n == 0 || "\n\r\u0085\u2028\u2029".indexOf(path.charAt(n - 1)) < 0) {
                return false;
            }
            boolean two = n >= 2 && path.charAt(n - 1) == '\n' && path.charAt(n - 2) == '\r';
            for (String e : ends) {
                if (endsAt(path, n - 1, e) || two && endsAt(path, n - 2, e)) {
                    return true;
                }
            }
            return false;
        }

        private boolean endsAt(String path, int end, String e) {
            int from = end - e.length();
            return from >= 0 && path.regionMatches(foldCase, from, e, 0, e.length());
        }

        List<String> ends() {
            return List.of(ends);
        }
    }

    /** The ends a regex demands (see {@link Suffixes}), or null. */
    static List<String> requiredSuffixes(String regex) {
        if (regex.contains("(?") || regex.contains("\\Q") || regex.contains("[]") || regex.contains("[^]")
                || topLevelAlternation(regex) || !regex.endsWith("$")) {
            return null;
        }
        int slashes = 0;
        for (int i = regex.length() - 2; i >= 0 && regex.charAt(i) == '\\'; i--) {
            slashes++;
        }
        if (slashes % 2 == 1) {
            return null; // an escaped $: a literal dollar, not the end
        }
        // top-level tokens: a literal character (String of one char), or null for anything else; a group keeps its
        // text (Object[]{content}) so that a plain alternation before the tail can be read
        String body = regex.substring(0, regex.length() - 1);
        List<Object> tokens = new ArrayList<>();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\') {
                if (i + 1 >= body.length()) {
                    return null;
                }
                char e = body.charAt(++i);
                tokens.add(Character.isLetterOrDigit(e) ? null : String.valueOf(e));
            } else if (c == '[') {
                int j = classEnd(body, i);
                if (j < 0) {
                    return null;
                }
                tokens.add(null);
                i = j;
            } else if (c == '(') {
                int depth = 0;
                int j = i;
                for (; j < body.length(); j++) {
                    char d = body.charAt(j);
                    if (d == '\\') {
                        j++;
                    } else if (d == '[') {
                        j = classEnd(body, j);
                        if (j < 0) {
                            return null;
                        }
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                if (j >= body.length()) {
                    return null;
                }
                tokens.add(new Object[] {body.substring(i + 1, j)});
                i = j;
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                if (c == '{') {
                    int j = body.indexOf('}', i);
                    if (j < 0) {
                        return null;
                    }
                    i = j;
                }
                if (!tokens.isEmpty()) {
                    tokens.set(tokens.size() - 1, null); // repeated or optional: not certain text
                }
                tokens.add(null);
            } else if (c == '.' || c == '^' || c == '$' || c == '|' || c == ')' || c == ']' || c == '}') {
                tokens.add(null);
            } else {
                tokens.add(String.valueOf(c));
            }
        }
        StringBuilder tail = new StringBuilder();
        int k = tokens.size() - 1;
        for (; k >= 0 && tokens.get(k) instanceof String t; k--) {
            tail.insert(0, t);
        }
        if (k >= 0 && tokens.get(k) instanceof Object[] g) {
            List<String> alts = plainAlternatives((String) g[0]);
            if (alts != null) {
                StringBuilder head = new StringBuilder(); // the literal run right before the group
                for (int h = k - 1; h >= 0 && tokens.get(h) instanceof String t; h--) {
                    head.insert(0, t);
                }
                List<String> ends = new ArrayList<>();
                for (String a : alts) {
                    ends.add(head + a + tail);
                }
                return List.copyOf(ends);
            }
        }
        return tail.isEmpty() ? null : List.of(tail.toString());
    }

    /** The index of the ']' that closes the class opening at {@code open}, or -1. */
    private static int classEnd(String s, int open) {
        int j = open + 1;
        if (j < s.length() && s.charAt(j) == '^') {
            j++;
        }
        if (j < s.length() && s.charAt(j) == ']') {
            j++; // a leading ']' is a member
        }
        for (; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '\\') {
                j++;
            } else if (c == '[') {
                return -1; // a nested class or union: not read here
            } else if (c == ']') {
                return j;
            }
        }
        return -1;
    }

    /** The alternatives of a group's text when each is plain literal text (escaped punctuation allowed), or null. */
    private static List<String> plainAlternatives(String group) {
        List<String> alts = new ArrayList<>();
        StringBuilder a = new StringBuilder();
        for (int i = 0; i <= group.length(); i++) {
            char c = i < group.length() ? group.charAt(i) : '|';
            if (c == '|') {
                if (a.isEmpty()) {
                    return null; // an empty alternative: the group demands nothing
                }
                alts.add(a.toString());
                a.setLength(0);
            } else if (c == '\\' && i + 1 < group.length() && !Character.isLetterOrDigit(group.charAt(i + 1))) {
                a.append(group.charAt(++i));
            } else if ("\\.[]{}()*+?^$".indexOf(c) >= 0) {
                return null;
            } else {
                a.append(c);
            }
        }
        return alts;
    }

    private final Set<String> bases = new HashSet<>();
    private final Set<String> dirs = new HashSet<>();
    /**
     * Entries whose prefix names a top directory ({@code /proc/} of {@code /proc/sys/kernel/}), by that directory
     * with both slashes: a path is compared only with those under its own top directory, not with every entry.
     */
    private final Map<String, List<Entry>> byTop = new HashMap<>();
    private final List<Entry> others = new ArrayList<>();

    private void add(Entry e) {
        String top = top(e.prefix());
        if (top != null) {
            byTop.computeIfAbsent(top, k -> new ArrayList<>()).add(e);
        } else {
            others.add(e);
        }
    }

    /** {@code /proc/} of {@code /proc/1/environ}: the text up to the second slash, when it starts with one. */
    static String top(String path) {
        if (path == null || !path.startsWith("/")) {
            return null;
        }
        int slash = path.indexOf('/', 1);
        return slash > 1 ? path.substring(0, slash + 1) : null;
    }

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
                    b.add(new Entry(base, dir, p, regex == null ? null : anchoredPrefix(regex), literal,
                            folded != null && literal != null ? new FoldedLiteral(literal) : null,
                            regex == null ? null : Suffixes.of(folded != null ? folded : regex, folded != null)));
                }
            } catch (RecipeException ex) {
                throw new RecipeException(at + ex.field(), ex.getMessage());
            }
        }
        return b;
    }

    boolean isEmpty() {
        return bases.isEmpty() && dirs.isEmpty() && others.isEmpty() && byTop.isEmpty();
    }

    /** Whether the path, given with its directory and name (Arbitrary.dir and Arbitrary.base of it), matches. */
    boolean matches(String path, String dir, String base) {
        return matches(path, dir, base, top(path));
    }

    /** The same, with {@link #top} of the path also given (computed once for every recipe asked about it). */
    boolean matches(String path, String dir, String base, String top) {
        if (!bases.isEmpty() && bases.contains(base) || !dirs.isEmpty() && dirs.contains(dir)) {
            return true;
        }
        for (Entry e : others) {
            if (e.matches(path, dir, base)) {
                return true;
            }
        }
        if (top != null && !byTop.isEmpty()) {
            List<Entry> under = byTop.get(top);
            if (under != null) {
                for (Entry e : under) {
                    if (e.matches(path, dir, base)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
