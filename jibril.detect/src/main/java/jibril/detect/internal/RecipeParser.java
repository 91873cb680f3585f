package jibril.detect.internal;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a recipe file: a YAML list of recipes. Checks the YAML and the fields every recipe has; keeps the line
 * and column of every value so that errors found later (by a recipe type) still point into the file. Pure.
 */
final class RecipeParser {

    /** Files larger than this are refused as a whole. */
    static final int MAX_FILE_CHARS = 8 * 1024 * 1024;

    static final Set<String> COMMON = Set.of("kind", "name", "enabled", "version", "description", "documentation",
            "breed", "mechanism", "tactic", "technique", "subtechnique", "importance", "times", "arbitrary",
            "reactions");
    static final List<String> IMPORTANCE = List.of("none", "low", "medium", "high", "critical");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private static final Pattern JS_PROCESS = Pattern.compile("function\\s+process\\s*\\(");

    /**
     * The result: the recipes that passed the common checks, and the errors (if any recipe failed, the engine
     * refuses the whole file so that a half-valid file never replaces a good one).
     */
    record Parsed(List<RecipeDef> recipes, List<RecipeError> errors) {
    }

    private RecipeParser() {
    }

    static Parsed parse(String source, String text) {
        return parse(source, text, f -> false);
    }

    /**
     * @param moreFormats reaction formats accepted besides js and shell: those a {@code ReactionRunner} adds
     */
    static Parsed parse(String source, String text, java.util.function.Predicate<String> moreFormats) {
        List<RecipeDef> recipes = new ArrayList<>();
        List<RecipeError> errors = new ArrayList<>();
        if (text.length() > MAX_FILE_CHARS) {
            errors.add(new RecipeError(source, 0, 0, null, null, "file too large (" + text.length()
                    + " characters; at most " + MAX_FILE_CHARS + ")"));
            return new Parsed(recipes, errors);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setCodePointLimit(MAX_FILE_CHARS);
        options.setNestingDepthLimit(50);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            errors.add(new RecipeError(source, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1,
                    null, null, "not valid YAML: " + (e.getProblem() != null ? e.getProblem() : e.getMessage())));
            return new Parsed(recipes, errors);
        } catch (YAMLException e) {
            errors.add(new RecipeError(source, 0, 0, null, null, "not valid YAML: " + e.getMessage()));
            return new Parsed(recipes, errors);
        }
        if (root == null) {
            return new Parsed(recipes, errors); // an empty file: no recipes
        }
        if (!(root instanceof SequenceNode list)) {
            errors.add(at(source, root, null, null, "a recipe file is a YAML list of recipes (each starting with '- ')"));
            return new Parsed(recipes, errors);
        }
        Set<String> names = new java.util.HashSet<>();
        for (Node n : list.getValue()) {
            if (!(n instanceof MappingNode)) {
                errors.add(at(source, n, null, null, "a recipe is a mapping of fields (kind, name, breed, ...)"));
                continue;
            }
            try {
                RecipeDef def = recipe(source, (MappingNode) n, moreFormats);
                if (!names.add(def.name())) {
                    errors.add(def.error("name", "'" + def.name() + "' is defined twice in this file"));
                    continue;
                }
                recipes.add(def);
            } catch (Invalid e) {
                errors.add(e.error);
            }
        }
        return new Parsed(recipes, errors);
    }

    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final transient RecipeError error;

        Invalid(RecipeError error) {
            super(error.toString(), null, false, false);
            this.error = error;
        }
    }

    private static RecipeError at(String source, Node n, String recipe, String field, String reason) {
        Mark m = n.getStartMark();
        return new RecipeError(source, m.getLine() + 1, m.getColumn() + 1, recipe, field, reason);
    }

    @SuppressWarnings("unchecked")
    private static RecipeDef recipe(String source, MappingNode node,
            java.util.function.Predicate<String> moreFormats) throws Invalid {
        Map<String, int[]> marks = new HashMap<>();
        Map<String, Object> fields;
        try {
            fields = (Map<String, Object>) value(node, "", marks);
        } catch (IllegalArgumentException e) {
            throw new Invalid(at(source, node, null, null, e.getMessage()));
        }
        int line = node.getStartMark().getLine() + 1;
        String name = str(fields.get("name"));
        RecipeDef probe = new RecipeDef(source, line, name == null ? "" : name, "", false, "", "", "", "", "", "", "",
                "", "", fields, marks, List.of());
        if (name == null || name.isBlank()) {
            throw new Invalid(probe.error("name", "missing: every recipe needs a name"));
        }
        if (!NAME.matcher(name).matches()) {
            throw new Invalid(probe.error("name", "'" + name + "' is not a recipe name (letters, digits, _ . -)"));
        }
        for (String key : List.of("kind", "name", "version", "description", "documentation", "breed", "mechanism",
                "tactic", "technique", "subtechnique", "importance")) {
            Object v = fields.get(key);
            if (v != null && !(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                throw new Invalid(probe.error(key, "must be a text, not a " + Fields.kind(v)));
            }
        }
        Object enabledValue = fields.get("enabled");
        if (enabledValue != null && !(enabledValue instanceof Boolean)) {
            throw new Invalid(probe.error("enabled", "must be true or false, not '" + enabledValue + "'"));
        }
        String breed = str(fields.get("breed"));
        if (breed == null || breed.isBlank()) {
            throw new Invalid(probe.error("breed", "missing: which recipe type matches it (file_access, remote_domains, "
                    + "remote_cidrs, env_vars, algorithmic_domains, or one a bundle adds)"));
        }
        String importance = str(fields.get("importance"));
        importance = importance == null ? "medium" : importance.strip().toLowerCase(java.util.Locale.ROOT);
        if (!IMPORTANCE.contains(importance)) {
            throw new Invalid(probe.error("importance", "'" + fields.get("importance") + "' is not one of "
                    + String.join(", ", IMPORTANCE)));
        }
        List<RecipeDef.Reaction> reactions = new ArrayList<>();
        Object rs = fields.get("reactions");
        if (rs != null) {
            if (!(rs instanceof List<?> rl)) {
                throw new Invalid(probe.error("reactions", "must be a list of {format, code}"));
            }
            for (int i = 0; i < rl.size(); i++) {
                String at = "reactions[" + i + "]";
                if (!(rl.get(i) instanceof Map<?, ?> r)) {
                    throw new Invalid(probe.error(at, "must be a mapping {format: js|shell, code: ...}"));
                }
                for (Object k : r.keySet()) {
                    if (!"format".equals(k) && !"code".equals(k)) {
                        throw new Invalid(probe.error(at + "." + k, "unknown field (known: code, format)"));
                    }
                }
                String format = str(r.get("format"));
                String code = str(r.get("code"));
                if (format == null || !(format.equals("js") || format.equals("shell") || moreFormats.test(format))) {
                    throw new Invalid(probe.error(at + ".format", "must be js or shell (or a format that a reaction "
                            + "runner adds)"));
                }
                if (code == null || code.isBlank()) {
                    throw new Invalid(probe.error(at + ".code", "missing: the code to run"));
                }
                if (format.equals("js") && !JS_PROCESS.matcher(code).find()) {
                    throw new Invalid(probe.error(at + ".code", "a js reaction must define function process(data)"));
                }
                reactions.add(new RecipeDef.Reaction(format, code));
            }
        }
        String kind = str(fields.get("kind"));
        String mechanism = str(fields.get("mechanism"));
        return new RecipeDef(source, line, name, kind == null || kind.isBlank() ? name : kind,
                enabledValue == null || (Boolean) enabledValue, or(str(fields.get("version")), "1.0"),
                or(str(fields.get("description")), ""), or(str(fields.get("documentation")), "").strip(), breed.strip(),
                mechanism == null || mechanism.isBlank() ? breed.strip() : mechanism.strip(),
                or(str(fields.get("tactic")), ""), or(str(fields.get("technique")), ""),
                or(str(fields.get("subtechnique")), ""), importance, fields, marks, List.copyOf(reactions));
    }

    private static String or(String v, String dflt) {
        return v == null ? dflt : v;
    }

    private static String str(Object v) {
        return v == null ? null : v.toString();
    }

    /** A node as plain YAML values, recording the mark of every node by path. */
    private static Object value(Node node, String path, Map<String, int[]> marks) {
        marks.put(path, new int[] { node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1 });
        if (node instanceof MappingNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    throw new IllegalArgumentException("field names must be plain texts");
                }
                String key = k.getValue();
                String p = path.isEmpty() ? key : path + "." + key;
                marks.put(p, new int[] { k.getStartMark().getLine() + 1, k.getStartMark().getColumn() + 1 });
                out.put(key, value(t.getValueNode(), p, marks));
                // the key's own position is the better place for errors about the field
                marks.put(p, new int[] { k.getStartMark().getLine() + 1, k.getStartMark().getColumn() + 1 });
            }
            return out;
        }
        if (node instanceof SequenceNode s) {
            List<Object> out = new ArrayList<>();
            int i = 0;
            for (Node e : s.getValue()) {
                out.add(value(e, path + "[" + i++ + "]", marks));
            }
            return out;
        }
        ScalarNode sc = (ScalarNode) node;
        Tag tag = sc.getTag();
        String v = sc.getValue();
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        if (Tag.BOOL.equals(tag)) {
            return v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("on");
        }
        if (Tag.INT.equals(tag)) {
            try {
                return Long.parseLong(v.replace("_", ""));
            } catch (NumberFormatException e) {
                return v;
            }
        }
        if (Tag.FLOAT.equals(tag)) {
            try {
                return Double.valueOf(v.replace("_", ""));
            } catch (NumberFormatException e) {
                return v; // .inf, .nan
            }
        }
        return v;
    }
}
