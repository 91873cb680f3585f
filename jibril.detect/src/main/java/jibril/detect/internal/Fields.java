package jibril.detect.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import jibril.core.api.RecipeType.RecipeException;

/** Typed reads of a parsed recipe's fields, failing with the field's name. */
final class Fields {

    private Fields() {
    }

    /** A text field (numbers and booleans are accepted as their text); null when absent or empty. */
    static String text(Map<String, Object> m, String field) throws RecipeException {
        Object v = m.get(field);
        if (v == null) {
            return null;
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw new RecipeException(field, "must be a text, not a " + kind(v));
    }

    /** A list of texts; one text alone is a list of one; absent or empty: an empty list. */
    static List<String> texts(Map<String, Object> m, String field) throws RecipeException {
        Object v = m.get(field);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String || v instanceof Number) {
            return List.of(v.toString());
        }
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                Object e = l.get(i);
                if (!(e instanceof String || e instanceof Number)) {
                    throw new RecipeException(field + "[" + i + "]", "must be a text, not a " + kind(e));
                }
                out.add(e.toString());
            }
            return out;
        }
        throw new RecipeException(field, "must be a list of texts, not a " + kind(v));
    }

    /** A list of mappings; absent or empty: an empty list. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Map<String, Object> m, String field) throws RecipeException {
        Object v = m.get(field);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new RecipeException(field, "must be a list, not a " + kind(v));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> e)) {
                throw new RecipeException(field + "[" + i + "]", "must be a mapping, not a " + kind(l.get(i)));
            }
            out.add((Map<String, Object>) e);
        }
        return out;
    }

    /** One of the allowed values (case-insensitive), or the default when absent. */
    static String oneOf(Map<String, Object> m, String field, String dflt, String... allowed) throws RecipeException {
        String v = text(m, field);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v.strip())) {
                return a;
            }
        }
        throw new RecipeException(field, "'" + v + "' is not one of " + String.join(", ", allowed));
    }

    /** A regular expression. */
    static Pattern regex(String field, String text) throws RecipeException {
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            throw new RecipeException(field, "not a valid regular expression: " + e.getDescription() + " near index "
                    + e.getIndex() + " in '" + text + "'");
        }
    }

    /** A port number 0-65535 (or a text of one). */
    static int port(String field, String text) throws RecipeException {
        try {
            int p = Integer.parseInt(text.strip());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new RecipeException(field, "'" + text + "' is not a port (0-65535)");
    }

    static Cidr cidr(String field, String text) throws RecipeException {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RecipeException(field, e.getMessage());
        }
    }

    /** Fails on any key not in the allowed set. */
    static void only(Map<String, Object> m, String prefix, java.util.Collection<String> allowed)
            throws RecipeException {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                throw new RecipeException(prefix + k, "unknown field (known: " + String.join(", ",
                        allowed.stream().filter(a -> !a.startsWith("jibril.")).sorted().toList()) + ")");
            }
        }
    }

    static String kind(Object v) {
        if (v instanceof Map) {
            return "mapping";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof Number) {
            return "number";
        }
        return v == null ? "nothing" : "text";
    }
}
