package jibril.config.internal;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Parses and validates Jibril's config.yaml. Pure: no OSGi, no I/O; one instance per call of {@link #parse}.
 *
 * <p>The YAML is composed to a node tree (never constructed to objects, so no type is ever instantiated from the
 * file), with limits on size, nesting and aliases. Every problem names the file, line, column and dotted field path,
 * what was found and what was expected.
 */
public final class ConfigParser {

    /** The largest file accepted, in characters. */
    public static final int MAX_CHARS = 1 << 20;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern OPTION_KEY = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern URL_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
    private static final Pattern URL_AUTHORITY = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*");
    private static final Pattern URL_PORT = Pattern.compile("[0-9]+([/?#].*)?");
    private static final Set<Tag> PLAIN_TAGS = Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.NULL, Tag.FLOAT, Tag.MAP,
            Tag.SEQ, Tag.TIMESTAMP);

    /** The result of one parse: the configuration ({@code null} when there are errors), errors and warnings. */
    public record Result(JibrilConfig config, List<Problem> errors, List<Problem> warnings) {
        public Result {
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
        }

        public boolean ok() {
            return errors.isEmpty();
        }
    }

    /** The kinds of list entries, each with its syntax. */
    private enum Kind {
        EXTENSION(1, false, "extension"),
        PLUGIN(2, true, "extension:plugin[:key=value...]"),
        PRINTER(3, true, "extension:plugin:printer[:key=value...]"),
        EVENT(3, false, "extension:plugin:event");

        final int parts;
        final boolean options;
        final String form;

        Kind(int parts, boolean options, String form) {
            this.parts = parts;
            this.options = options;
            this.form = form;
        }
    }

    private final String file;
    private final List<Problem> errors = new ArrayList<>();
    private final List<Problem> warnings = new ArrayList<>();

    private String logLevel = Schema.DEFAULT_LOG_LEVEL;
    private boolean health = Schema.DEFAULT_HEALTH;
    private int healthPort = Schema.DEFAULT_HEALTH_PORT;
    private String stdout = Schema.DEFAULT_STDOUT;
    private String stderr = Schema.DEFAULT_STDERR;
    private final Map<String, Integer> cadences = new LinkedHashMap<>();
    private final Map<String, Integer> caches = new LinkedHashMap<>();
    private final LinkedHashMap<String, Problem> extensions = new LinkedHashMap<>();
    private final LinkedHashMap<String, Entry> plugins = new LinkedHashMap<>();
    private final LinkedHashMap<String, Entry> printers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Problem> events = new LinkedHashMap<>();
    private final Set<String> listsGiven = new HashSet<>();
    /** The {@code printers} section: printer name → option → value and where it was written. */
    private final Map<String, Map<String, SectionOption>> printerSection = new LinkedHashMap<>();
    private final Map<String, Problem> printerSectionWhere = new LinkedHashMap<>();

    private record SectionOption(String value, Problem where) {
    }

    private ConfigParser(String file) {
        this.file = file;
        for (String k : Schema.CADENCE_KEYS) {
            cadences.put(k, Schema.DEFAULT_CADENCE);
        }
        for (String k : Schema.CACHE_KEYS) {
            caches.put(k, Schema.DEFAULT_CACHE);
        }
    }

    /**
     * Parses and validates one config file.
     *
     * @param file      the name used in messages (the file path, or {@code embedded:...})
     * @param text      the file's content
     * @param overrides command-line overrides, applied over the file
     */
    public static Result parse(String file, String text, Overrides overrides) {
        return new ConfigParser(file).run(text, overrides);
    }

    private Result run(String text, Overrides overrides) {
        if (text.length() > MAX_CHARS) {
            error(0, 0, "", "the file has " + text.length() + " characters, more than the limit of " + MAX_CHARS);
            return result();
        }
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        Node root;
        try {
            root = yaml().compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            syntaxError(e);
            return result();
        } catch (YAMLException e) {
            error(0, 0, "", "YAML error: " + e.getMessage());
            return result();
        }
        if (root == null) {
            warnings.add(Problem.warning(file, 0, 0, "", "the file holds no settings; the defaults apply"));
        } else if (root instanceof MappingNode map) {
            mapping(map, "", this::topLevel);
        } else {
            error(root, "", "found " + describe(root) + ", expected a mapping of sections ("
                    + String.join(", ", Schema.SECTIONS) + ")");
        }
        defaultLists();
        if (overrides != null) {
            applyOverrides(overrides);
        }
        mergePrinterSection();
        printerInstances();
        crossCheck();
        return result();
    }

    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CHARS);
        options.setMaxAliasesForCollections(16);
        options.setNestingDepthLimit(32);
        options.setAllowRecursiveKeys(false);
        options.setProcessComments(false);
        options.setTagInspector(tag -> false);
        DumperOptions dumper = new DumperOptions();
        return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
    }

    private Result result() {
        if (!errors.isEmpty()) {
            return new Result(null, errors, warnings);
        }
        JibrilConfig config = new JibrilConfig(logLevel, health, healthPort, stdout, stderr,
                Collections.unmodifiableMap(new LinkedHashMap<>(cadences)),
                Collections.unmodifiableMap(new LinkedHashMap<>(caches)), List.copyOf(extensions.keySet()),
                List.copyOf(plugins.values()), List.copyOf(printers.values()), List.copyOf(events.keySet()));
        return new Result(config, errors, warnings);
    }

    // ---- structure

    private void topLevel(String key, NodeTuple t) {
        Node v = t.getValueNode();
        switch (key) {
            case Schema.RUN_TIME -> mapping(v, key, this::runTime);
            case Schema.CADENCES -> mapping(v, key, (k, tt) -> numbers(k, tt, key, cadences, Schema.MIN_CADENCE,
                    Schema.MAX_CADENCE));
            case Schema.CACHES -> mapping(v, key, (k, tt) -> numbers(k, tt, key, caches, Schema.MIN_CACHE,
                    Schema.MAX_CACHE));
            case Schema.CONFIG -> mapping(v, key, this::configLists);
            case Schema.PRINTERS -> mapping(v, key, this::printerOptions);
            default -> unknownKey("", key, t, Schema.SECTIONS);
        }
    }

    private void runTime(String key, NodeTuple t) {
        String path = Schema.RUN_TIME + "." + key;
        Node v = t.getValueNode();
        switch (key) {
            case Schema.LOG_LEVEL -> {
                String s = string(v, path, "a log level (" + String.join(", ", Schema.LOG_LEVELS) + ")");
                if (s != null) {
                    String level = logLevel(s, v.getStartMark(), path, file);
                    if (level != null) {
                        logLevel = level;
                    }
                }
            }
            case Schema.HEALTH -> {
                Boolean b = bool(v, path);
                if (b != null) {
                    health = b;
                }
            }
            case Schema.HEALTH_PORT -> {
                Integer i = integer(v, path, Schema.MIN_PORT, Schema.MAX_PORT);
                if (i != null) {
                    healthPort = i;
                }
            }
            case Schema.STDOUT -> {
                String s = nonEmpty(v, path, "stdout or a file path");
                if (s != null) {
                    stdout = s;
                }
            }
            case Schema.STDERR -> {
                String s = nonEmpty(v, path, "stderr or a file path");
                if (s != null) {
                    stderr = s;
                }
            }
            default -> unknownKey(Schema.RUN_TIME, key, t, Schema.RUN_TIME_KEYS);
        }
    }

    private void numbers(String key, NodeTuple t, String section, Map<String, Integer> target, int min, int max) {
        if (!target.containsKey(key)) {
            unknownKey(section, key, t, List.copyOf(target.keySet()));
            return;
        }
        Integer i = integer(t.getValueNode(), section + "." + key, min, max);
        if (i != null) {
            target.put(key, i);
        }
    }

    private void configLists(String key, NodeTuple t) {
        String path = Schema.CONFIG + "." + key;
        Kind kind = switch (key) {
            case Schema.EXTENSION -> Kind.EXTENSION;
            case Schema.PLUGIN -> Kind.PLUGIN;
            case Schema.PRINTER -> Kind.PRINTER;
            case Schema.EVENT -> Kind.EVENT;
            default -> null;
        };
        if (kind == null) {
            unknownKey(Schema.CONFIG, key, t, Schema.CONFIG_KEYS);
            return;
        }
        listsGiven.add(key);
        Node v = t.getValueNode();
        if (isNull(v)) {
            return; // an empty list
        }
        if (!(v instanceof SequenceNode seq)) {
            error(v, path, "found " + describe(v) + ", expected a list of " + kind.form + " entries");
            return;
        }
        int i = 0;
        for (Node item : seq.getValue()) {
            String itemPath = path + "[" + i++ + "]";
            if (!(item instanceof ScalarNode s) || !Tag.STR.equals(item.getTag())) {
                error(item, itemPath, "found " + describe(item) + ", expected a string " + kind.form);
                continue;
            }
            Mark m = item.getStartMark();
            add(kind, s.getValue(), Problem.error(file, line(m), column(m), itemPath, ""), false);
        }
    }

    /**
     * One printer's options in the {@code printers} section: {@code printers: {http: {url: ..., token-file: ...}}}.
     * They apply to every {@code config.printer} entry of that printer name, as if written in the entry.
     */
    private void printerOptions(String name, NodeTuple t) {
        String path = Schema.PRINTERS + "." + name;
        if (!NAME.matcher(name).matches()) {
            error(t.getKeyNode(), path, "\"" + name + "\" is not a printer name (letters, digits, '_' and '-')");
            return;
        }
        Mark km = t.getKeyNode().getStartMark();
        printerSectionWhere.put(name, Problem.error(file, line(km), column(km), path, ""));
        Map<String, SectionOption> options = printerSection.computeIfAbsent(name, n -> new LinkedHashMap<>());
        mapping(t.getValueNode(), path, (key, tt) -> {
            String keyPath = path + "." + key;
            Node v = tt.getValueNode();
            if (!OPTION_KEY.matcher(key).matches()) {
                error(tt.getKeyNode(), keyPath, "option key \"" + key + "\" must be letters, digits, '_', '.' or '-'");
                return;
            }
            if (reserved(key)) {
                error(tt.getKeyNode(), keyPath, "option key \"" + key
                        + "\" is reserved (jibril.*, service.*, component.* and felix.* belong to the framework)");
                return;
            }
            if (!(v instanceof ScalarNode s) || Tag.NULL.equals(v.getTag())) {
                error(v, keyPath, "found " + describe(v) + ", expected a value (text, number or true/false)");
                return;
            }
            Mark m = v.getStartMark();
            options.put(key, new SectionOption(s.getValue(), Problem.error(file, line(m), column(m), keyPath, "")));
        });
    }

    /**
     * Adds the {@code printers} section's options to the entries of those printers. An option given both in an
     * entry and in the section is an error (which one was meant?); a section for a printer no entry names is a
     * warning (it has no effect).
     */
    private void mergePrinterSection() {
        for (Map.Entry<String, Map<String, SectionOption>> s : printerSection.entrySet()) {
            boolean used = false;
            for (Map.Entry<String, Entry> pe : printers.entrySet()) {
                Entry e = pe.getValue();
                if (!s.getKey().equals(e.printer())) {
                    continue;
                }
                used = true;
                Map<String, String> merged = new LinkedHashMap<>(e.options());
                for (Map.Entry<String, SectionOption> o : s.getValue().entrySet()) {
                    if (merged.containsKey(o.getKey())) {
                        errors.add(with(o.getValue().where(), "option \"" + o.getKey() + "\" is also given in \""
                                + e.text() + "\" (" + at(e.where()) + "); give it in one place"));
                        continue;
                    }
                    merged.put(o.getKey(), o.getValue().value());
                }
                pe.setValue(new Entry(e.text(), e.extension(), e.plugin(), e.printer(),
                        Collections.unmodifiableMap(merged), e.where()));
            }
            if (!used) {
                warn(printerSectionWhere.get(s.getKey()), "no config.printer entry names the printer \"" + s.getKey()
                        + "\", so these options have no effect");
            }
        }
    }

    /**
     * Printer instances: an entry with {@code type=<kind>} (in the entry or the printers section) is a printer of
     * that kind under its own name, e.g. two http printers to two endpoints. The kind must be a name; the
     * entries are keyed again by the configuration they make, which must not repeat.
     */
    private void printerInstances() {
        LinkedHashMap<String, Entry> byPid = new LinkedHashMap<>();
        for (Entry e : printers.values()) {
            String type = e.options().get(Entry.TYPE);
            if (type != null && !NAME.matcher(type).matches()) {
                SectionOption o = printerSection.getOrDefault(e.printer(), Map.of()).get(Entry.TYPE);
                errors.add(with(o != null ? o.where() : e.where(), "\"" + type + "\" is not a printer kind (letters,"
                        + " digits, '_' and '-'; for example http, varlog, file)"));
                continue;
            }
            Entry first = byPid.putIfAbsent(e.pid(), e);
            if (first != null) {
                errors.add(with(e.where(), "\"" + e.text() + "\" configures " + e.pid() + " again (first as \""
                        + first.text() + "\" " + at(first.where()) + "); list each printer once"));
            }
        }
        printers.clear();
        printers.putAll(byPid);
    }

    /** Fills the lists the file left out with their defaults (a list given empty stays empty). */
    private void defaultLists() {
        defaultList(Kind.EXTENSION, Schema.EXTENSION, Schema.DEFAULT_EXTENSIONS);
        defaultList(Kind.PLUGIN, Schema.PLUGIN, Schema.DEFAULT_PLUGINS);
        defaultList(Kind.PRINTER, Schema.PRINTER, Schema.DEFAULT_PRINTERS);
        defaultList(Kind.EVENT, Schema.EVENT, Schema.DEFAULT_EVENTS);
    }

    private void defaultList(Kind kind, String key, List<String> defaults) {
        if (!listsGiven.contains(key)) {
            Problem where = Problem.error(file, 0, 0, Schema.CONFIG + "." + key + " (default)", "");
            defaults.forEach(e -> add(kind, e, where, false));
        }
    }

    /** Adds a list entry after checking it; {@code override} entries replace a file entry with the same PID. */
    private void add(Kind kind, String raw, Problem where, boolean override) {
        Entry e = entry(kind, raw, where);
        if (e == null) {
            return;
        }
        switch (kind) {
            case EXTENSION, EVENT -> {
                LinkedHashMap<String, Problem> target = kind == Kind.EXTENSION ? extensions : events;
                Problem first = target.putIfAbsent(e.text(), where);
                if (first != null && !override) {
                    warn(where, "\"" + e.text() + "\" is listed twice (first " + at(first) + "); the repeat is ignored");
                }
            }
            case PLUGIN, PRINTER -> {
                LinkedHashMap<String, Entry> target = kind == Kind.PLUGIN ? plugins : printers;
                Entry first = target.get(e.pid());
                if (first == null || override) {
                    target.put(e.pid(), e);
                } else if (first.text().equals(e.text())) {
                    warn(where, "\"" + Secrets.mask(e.text()) + "\" is listed twice (first " + at(first.where())
                            + "); the repeat is ignored");
                } else {
                    errors.add(with(where, "\"" + Secrets.mask(e.text()) + "\" configures " + e.pid() + " again (first as \""
                            + Secrets.mask(first.text()) + "\" " + at(first.where()) + "); list each "
                            + (kind == Kind.PLUGIN ? "plugin" : "printer") + " once"));
                }
            }
        }
    }

    // ---- overrides and cross checks

    private void applyOverrides(Overrides o) {
        if (o.logLevel() != null) {
            String level = logLevel(o.logLevel(), null, Schema.RUN_TIME + "." + Schema.LOG_LEVEL,
                    "framework property " + Overrides.LOG_LEVEL);
            if (level != null) {
                logLevel = level;
            }
        }
        if (o.stdout() != null) {
            stdout = o.stdout();
        }
        if (o.stderr() != null) {
            stderr = o.stderr();
        }
        overrideList(Kind.PLUGIN, Overrides.PLUGINS, Schema.PLUGIN, o.plugins());
        overrideList(Kind.PRINTER, Overrides.PRINTERS, Schema.PRINTER, o.printers());
        overrideList(Kind.EVENT, Overrides.EVENTS, Schema.EVENT, o.events());
    }

    private void overrideList(Kind kind, String property, String key, List<String> entries) {
        Problem where = Problem.error("framework property " + property, 0, 0, Schema.CONFIG + "." + key, "");
        for (String raw : entries) {
            add(kind, raw, where, true);
        }
    }

    private void crossCheck() {
        for (Entry p : plugins.values()) {
            if (!extensions.containsKey(p.extension())) {
                warn(p.where(), "\"" + Secrets.mask(p.text()) + "\": extension \"" + p.extension()
                        + "\" is not listed in config.extension");
            }
        }
        Set<String> pluginRefs = new HashSet<>();
        plugins.values().forEach(p -> pluginRefs.add(p.pluginRef()));
        for (Entry p : printers.values()) {
            if (!pluginRefs.contains(p.pluginRef())) {
                warn(p.where(), "\"" + Secrets.mask(p.text()) + "\": plugin \"" + p.pluginRef()
                        + "\" is not listed in config.plugin, so this printer may never run");
            }
        }
    }

    // ---- entries

    private Entry entry(Kind kind, String raw, Problem where) {
        String text = raw.strip();
        if (text.isEmpty()) {
            errors.add(with(where, "the entry is empty, expected " + kind.form));
            return null;
        }
        String[] parts = text.split(":", -1);
        if (parts.length < kind.parts) {
            errors.add(with(where, "\"" + text + "\" is malformed, expected " + kind.form));
            return null;
        }
        if (parts.length > kind.parts && !kind.options) {
            errors.add(with(where, "\"" + text + "\" has " + parts.length + " parts, expected " + kind.form));
            return null;
        }
        for (int i = 0; i < kind.parts; i++) {
            Pattern p = kind == Kind.EVENT && i == 2 ? EVENT_NAME : NAME;
            if (parts[i].isEmpty()) {
                errors.add(with(where, "\"" + text + "\" has an empty part, expected " + kind.form));
                return null;
            }
            if (!p.matcher(parts[i]).matches()) {
                errors.add(with(where, "\"" + text + "\": \"" + parts[i] + "\" may hold only letters, digits, '_'"
                        + (p == EVENT_NAME ? ", '.'" : "") + " and '-', expected " + kind.form));
                return null;
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = kind.parts; i < parts.length; i++) {
            String part = parts[i];
            int eq = part.indexOf('=');
            if (part.isEmpty()) {
                errors.add(with(where, "\"" + text + "\" has an empty part, expected " + kind.form));
                return null;
            }
            if (eq < 0) {
                errors.add(with(where, "\"" + text + "\": option \"" + part + "\" is not key=value, expected "
                        + kind.form));
                return null;
            }
            String key = part.substring(0, eq);
            if (!OPTION_KEY.matcher(key).matches()) {
                errors.add(with(where, "\"" + text + "\": option key \"" + key
                        + "\" must be letters, digits, '_', '.' or '-', expected " + kind.form));
                return null;
            }
            if (reserved(key)) {
                errors.add(with(where, "\"" + text + "\": option key \"" + key
                        + "\" is reserved (jibril.*, service.*, component.* and felix.* belong to the framework)"));
                return null;
            }
            StringBuilder value = new StringBuilder(part.substring(eq + 1));
            while (i + 1 < parts.length && urlContinues(value.toString(), parts[i + 1])) {
                value.append(':').append(parts[++i]);
            }
            if (options.putIfAbsent(key, value.toString()) != null) {
                errors.add(with(where, "\"" + text + "\": option \"" + key + "\" is given twice"));
                return null;
            }
        }
        return new Entry(text, parts[0], kind.parts > 1 ? parts[1] : null, kind == Kind.PRINTER ? parts[2] : null,
                Collections.unmodifiableMap(options), where);
    }

    /**
     * Whether the next {@code :}-separated part continues an option value that is a URL, so that
     * {@code url=https://host:8443/x} is one option: after a bare scheme a part starting with {@code //}, after
     * {@code scheme://host} a port.
     */
    private static boolean urlContinues(String valueSoFar, String next) {
        return (URL_SCHEME.matcher(valueSoFar).matches() && next.startsWith("//"))
                || (URL_AUTHORITY.matcher(valueSoFar).matches() && URL_PORT.matcher(next).matches());
    }

    private static boolean reserved(String key) {
        return key.startsWith("jibril.") || key.startsWith("service.") || key.startsWith("component.")
                || key.startsWith("felix.");
    }

    // ---- scalars

    private String logLevel(String value, Mark mark, String path, String where) {
        String s = value.strip().toLowerCase(Locale.ROOT);
        if (s.equals(Schema.LOG_LEVEL_ALIAS_WARNING)) {
            return "warn";
        }
        if (Schema.LOG_LEVELS.contains(s)) {
            return s;
        }
        errors.add(Problem.error(where, line(mark), column(mark), path, "\"" + value
                + "\" is not a log level (expected one of " + String.join(", ", Schema.LOG_LEVELS) + ")"));
        return null;
    }

    private Integer integer(Node v, String path, int min, int max) {
        String expected = "a whole number " + min + ".." + max;
        if (!(v instanceof ScalarNode s) || !Tag.INT.equals(v.getTag())) {
            error(v, path, "found " + describe(v) + ", expected " + expected);
            return null;
        }
        BigInteger n = parseInt(s.getValue());
        if (n == null) {
            error(v, path, "\"" + s.getValue() + "\" is not a number I can read, expected " + expected);
            return null;
        }
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            error(v, path, n + " is out of range (expected " + min + ".." + max + ")");
            return null;
        }
        return n.intValue();
    }

    private Boolean bool(Node v, String path) {
        if (!(v instanceof ScalarNode s) || !Tag.BOOL.equals(v.getTag())) {
            error(v, path, "found " + describe(v) + ", expected true or false");
            return null;
        }
        String b = s.getValue().toLowerCase(Locale.ROOT);
        return b.equals("true") || b.equals("yes") || b.equals("on") || b.equals("y");
    }

    private String string(Node v, String path, String expected) {
        if (!(v instanceof ScalarNode s) || !Tag.STR.equals(v.getTag())) {
            error(v, path, "found " + describe(v) + ", expected " + expected);
            return null;
        }
        return s.getValue();
    }

    private String nonEmpty(Node v, String path, String expected) {
        String s = string(v, path, expected);
        if (s != null && s.isBlank()) {
            error(v, path, "found an empty string, expected " + expected);
            return null;
        }
        return s == null ? null : s.strip();
    }

    /** Reads a YAML 1.1 integer as resolved by SnakeYAML: sign, underscores, 0x, 0b, 0 (octal), base 60. */
    static BigInteger parseInt(String text) {
        String s = text.replace("_", "");
        boolean negative = false;
        if (s.startsWith("-") || s.startsWith("+")) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        try {
            BigInteger n;
            if (s.startsWith("0x")) {
                n = new BigInteger(s.substring(2), 16);
            } else if (s.startsWith("0b")) {
                n = new BigInteger(s.substring(2), 2);
            } else if (s.contains(":")) {
                n = BigInteger.ZERO;
                for (String digit : s.split(":")) {
                    n = n.multiply(BigInteger.valueOf(60)).add(new BigInteger(digit));
                }
            } else if (s.length() > 1 && s.startsWith("0")) {
                n = new BigInteger(s.substring(1), 8);
            } else {
                n = new BigInteger(s);
            }
            return negative ? n.negate() : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- mappings and keys

    /** Walks a mapping: null is an empty section; keys must be plain strings and unique. */
    private void mapping(Node v, String path, BiConsumer<String, NodeTuple> handler) {
        if (isNull(v)) {
            return;
        }
        if (!(v instanceof MappingNode map)) {
            error(v, path, "found " + describe(v) + ", expected a mapping");
            return;
        }
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple t : map.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode ks) || !Tag.STR.equals(k.getTag())) {
                error(k, path, Tag.MERGE.equals(k.getTag()) ? "merge keys (<<) are not supported"
                        : "found " + describe(k) + " as a key, expected a name");
                continue;
            }
            String key = ks.getValue();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            Node first = seen.putIfAbsent(key, k);
            if (first != null) {
                error(k, keyPath, "the key is given twice (first at line " + line(first.getStartMark()) + ")");
                continue;
            }
            if (!knownTag(t.getValueNode(), keyPath)) {
                continue;
            }
            if (Schema.IGNORED_KEYS.containsKey(key) && Schema.IGNORED_KEY_SECTIONS.contains(path)) {
                Mark m = k.getStartMark();
                warnings.add(Problem.warning(file, line(m), column(m), keyPath,
                        "ignored: a key of the original Jibril that this version does not use ("
                                + Schema.IGNORED_KEYS.get(key) + ")"));
                continue;
            }
            handler.accept(key, t);
        }
    }

    private boolean knownTag(Node v, String path) {
        if (PLAIN_TAGS.contains(v.getTag())) {
            return true;
        }
        error(v, path, "found a value tagged " + v.getTag() + ", only plain YAML values are accepted");
        return false;
    }

    private void unknownKey(String section, String key, NodeTuple t, List<String> expected) {
        String path = section.isEmpty() ? key : section + "." + key;
        error(t.getKeyNode(), path, "unknown key (expected one of " + String.join(", ", expected) + ")");
    }

    private static boolean isNull(Node v) {
        return v instanceof ScalarNode && Tag.NULL.equals(v.getTag());
    }

    static String describe(Node v) {
        if (v instanceof MappingNode) {
            return "a mapping";
        }
        if (v instanceof SequenceNode) {
            return "a list";
        }
        String value = v instanceof ScalarNode s ? s.getValue() : "";
        Tag tag = v.getTag();
        if (Tag.NULL.equals(tag)) {
            return "no value";
        }
        if (Tag.BOOL.equals(tag)) {
            return "a boolean " + value;
        }
        if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
            return "a number " + value;
        }
        if (Tag.STR.equals(tag)) {
            return "a string \"" + value + "\"";
        }
        if (Tag.TIMESTAMP.equals(tag)) {
            return "a date \"" + value + "\"";
        }
        return "a value \"" + value + "\" tagged " + tag;
    }

    // ---- problems

    private void syntaxError(MarkedYAMLException e) {
        Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        StringBuilder msg = new StringBuilder("YAML syntax error: ");
        msg.append(e.getProblem() != null ? e.getProblem().strip() : "malformed YAML");
        if (e.getContext() != null && e.getContextMark() != null) {
            msg.append(" (").append(e.getContext().strip()).append(" at line ").append(line(e.getContextMark()))
                    .append(", column ").append(column(e.getContextMark())).append(')');
        } else if (e.getContext() != null) {
            msg.append(" (").append(e.getContext().strip()).append(')');
        }
        errors.add(Problem.error(file, line(m), column(m), "", msg.toString()));
    }

    private void error(Node at, String path, String message) {
        Mark m = at.getStartMark();
        errors.add(Problem.error(file, line(m), column(m), path, message));
    }

    private void error(int line, int column, String path, String message) {
        errors.add(Problem.error(file, line, column, path, message));
    }

    private void warn(Problem where, String message) {
        warnings.add(new Problem(false, where.file(), where.line(), where.column(), where.path(), message));
    }

    private static Problem with(Problem where, String message) {
        return new Problem(true, where.file(), where.line(), where.column(), where.path(), message);
    }

    private String at(Problem where) {
        if (where.line() > 0 && where.file().equals(file)) {
            return "at line " + where.line();
        }
        return "in " + where.file();
    }

    private static int line(Mark m) {
        return m == null ? 0 : m.getLine() + 1;
    }

    private static int column(Mark m) {
        return m == null ? 0 : m.getColumn() + 1;
    }
}
