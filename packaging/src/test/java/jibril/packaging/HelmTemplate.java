package jibril.packaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Renders the Jibril Helm chart the way {@code helm template} does, for the small part of Go templates the chart
 * uses: value lookups ({@code .Values.a.b}, {@code .Release.Name}, {@code .Release.Namespace}, {@code .Chart.*}),
 * string and integer literals, pipelines, whitespace trimming ({@code {{-}} and {@code -}}}), comments, and the
 * functions {@code default}, {@code quote}, {@code index}, {@code toYaml}, {@code nindent} and {@code indent}.
 * Anything else (if, range, with, include, variables, other functions) is refused with an error, so a template
 * cannot use a construct this renderer would get wrong; helm is not packaged for Debian, and Maven Central has no
 * Go template engine. A missing value is an error too (helm would print {@code <no value>}).
 *
 * <p>toYaml sorts map keys, as Helm's does.
 */
final class HelmTemplate {

    private final Map<String, Object> context;

    private HelmTemplate(Map<String, Object> context) {
        this.context = context;
    }

    /**
     * Renders every template of a chart into one multi-document YAML text, as {@code helm template NAME CHART
     * --namespace NAMESPACE} with the given values merged over values.yaml.
     */
    static String renderChart(Path chart, String release, String namespace, Map<String, Object> overrides)
            throws IOException {
        Map<String, Object> chartYaml = load(Files.readString(chart.resolve("Chart.yaml")));
        Map<String, Object> values = load(Files.readString(chart.resolve("values.yaml")));
        merge(values, overrides);
        Map<String, Object> chartCtx = new LinkedHashMap<>();
        chartCtx.put("Name", chartYaml.get("name"));
        chartCtx.put("Version", String.valueOf(chartYaml.get("version")));
        chartCtx.put("AppVersion", String.valueOf(chartYaml.get("appVersion")));
        Map<String, Object> releaseCtx = new LinkedHashMap<>();
        releaseCtx.put("Name", release);
        releaseCtx.put("Namespace", namespace);
        releaseCtx.put("Service", "Helm");
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("Values", values);
        ctx.put("Chart", chartCtx);
        ctx.put("Release", releaseCtx);
        HelmTemplate t = new HelmTemplate(ctx);
        StringBuilder out = new StringBuilder();
        List<Path> templates;
        try (Stream<Path> s = Files.list(chart.resolve("templates"))) {
            templates = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        for (Path p : templates) {
            out.append("---\n# Source: ").append(chart.getFileName()).append("/templates/")
                    .append(p.getFileName()).append('\n');
            try {
                out.append(t.render(Files.readString(p))).append('\n');
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(p + ": " + e.getMessage(), e);
            }
        }
        return out.toString();
    }

    static String render(String template, Map<String, Object> context) {
        return new HelmTemplate(context).render(template);
    }

    private String render(String template) {
        StringBuilder out = new StringBuilder(template.length());
        int at = 0;
        boolean trimNext = false;
        while (true) {
            int open = template.indexOf("{{", at);
            String text = template.substring(at, open < 0 ? template.length() : open);
            if (trimNext) {
                text = text.stripLeading();
            }
            if (open < 0) {
                out.append(text);
                return out.toString();
            }
            int close = template.indexOf("}}", open);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed {{ at offset " + open);
            }
            String action = template.substring(open + 2, close);
            if (action.startsWith("- ")) {
                text = text.stripTrailing();
                action = action.substring(2);
            }
            trimNext = action.endsWith(" -");
            if (trimNext) {
                action = action.substring(0, action.length() - 2);
            }
            out.append(text);
            action = action.strip();
            if (!(action.startsWith("/*") && action.endsWith("*/"))) {
                out.append(print(pipeline(action)));
            }
            at = close + 2;
        }
    }

    private Object pipeline(String action) {
        Object value = null;
        boolean first = true;
        for (String command : split(action, '|')) {
            List<String> words = split(command.strip(), ' ').stream().filter(w -> !w.isEmpty()).toList();
            if (words.isEmpty()) {
                throw new IllegalArgumentException("empty command in {{ " + action + " }}");
            }
            String head = words.get(0);
            List<Object> args = new ArrayList<>();
            if (isOperand(head)) {
                if (!first || words.size() > 1) {
                    throw new IllegalArgumentException("unsupported in this chart's templates: {{ " + action + " }}");
                }
                value = operand(head);
            } else {
                for (String w : words.subList(1, words.size())) {
                    args.add(operand(w));
                }
                if (!first) {
                    args.add(value);
                }
                value = call(head, args, action);
            }
            first = false;
        }
        return value;
    }

    private Object call(String function, List<Object> args, String action) {
        switch (function) {
            case "default":
                arity(function, args, 2, action);
                return empty(args.get(1)) ? args.get(0) : args.get(1);
            case "quote":
                arity(function, args, 1, action);
                return quote(args.get(0) == null ? "" : print(args.get(0)));
            case "index": {
                if (args.size() < 2) {
                    throw new IllegalArgumentException("index needs a map and keys: {{ " + action + " }}");
                }
                Object v = args.get(0);
                for (Object key : args.subList(1, args.size())) {
                    if (!(v instanceof Map<?, ?> m) || !m.containsKey(key)) {
                        throw new IllegalArgumentException("no value " + key + " in {{ " + action + " }}");
                    }
                    v = m.get(key);
                }
                return v;
            }
            case "toYaml":
                arity(function, args, 1, action);
                return toYaml(args.get(0));
            case "nindent":
                arity(function, args, 2, action);
                return "\n" + indent(number(args.get(0), action), print(args.get(1)));
            case "indent":
                arity(function, args, 2, action);
                return indent(number(args.get(0), action), print(args.get(1)));
            default:
                throw new IllegalArgumentException("unsupported in this chart's templates: '" + function
                        + "' in {{ " + action + " }} (keep the templates to lookups and default, quote, index, "
                        + "toYaml, nindent, indent)");
        }
    }

    private static boolean isOperand(String word) {
        return word.startsWith(".") || word.startsWith("\"") || word.matches("-?[0-9]+");
    }

    private Object operand(String word) {
        if (word.startsWith("\"")) {
            if (word.length() < 2 || !word.endsWith("\"")) {
                throw new IllegalArgumentException("bad string " + word);
            }
            return word.substring(1, word.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        if (word.matches("-?[0-9]+")) {
            return Long.parseLong(word);
        }
        if (!word.matches("(\\.[A-Za-z_][A-Za-z0-9_]*)+")) {
            throw new IllegalArgumentException("unsupported in this chart's templates: " + word
                    + " (a key with a '-' needs index)");
        }
        Object v = context;
        for (String key : word.substring(1).split("\\.")) {
            if (!(v instanceof Map<?, ?> m) || !m.containsKey(key)) {
                throw new IllegalArgumentException("no value " + word);
            }
            v = m.get(key);
        }
        return v;
    }

    private static void arity(String function, List<Object> args, int n, String action) {
        if (args.size() != n) {
            throw new IllegalArgumentException(function + " takes " + n + " arguments: {{ " + action + " }}");
        }
    }

    private static int number(Object o, String action) {
        if (o instanceof Number n) {
            return n.intValue();
        }
        throw new IllegalArgumentException("not a number: " + o + " in {{ " + action + " }}");
    }

    /** Sprig's idea of empty: nil, false, 0, "", and empty collections. */
    private static boolean empty(Object v) {
        return v == null || Boolean.FALSE.equals(v) || (v instanceof Number n && n.doubleValue() == 0)
                || (v instanceof String s && s.isEmpty()) || (v instanceof Map<?, ?> m && m.isEmpty())
                || (v instanceof Collection<?> c && c.isEmpty());
    }

    /** What text/template prints for a value; maps, lists and nil are errors here (helm prints them badly). */
    private static String print(Object v) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return String.valueOf(v);
        }
        throw new IllegalArgumentException("cannot print " + (v == null ? "a missing value" : v.getClass().getSimpleName()
                + " " + v) + " (use toYaml)");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static String indent(int n, String s) {
        String pad = " ".repeat(n);
        return pad + s.replace("\n", "\n" + pad);
    }

    static String toYaml(Object value) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndent(2);
        o.setIndicatorIndent(0);
        o.setWidth(Integer.MAX_VALUE);
        o.setSplitLines(false);
        return new Yaml(new Representer(o), o).dump(sorted(value)).stripTrailing();
    }

    private static Object sorted(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), sorted(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(HelmTemplate::sorted).toList();
        }
        return v;
    }

    /** Splits on a separator outside double quotes. */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == sep && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> into, Map<String, Object> over) {
        over.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m && into.get(k) instanceof Map<?, ?> existing) {
                merge((Map<String, Object>) existing, (Map<String, Object>) m);
            } else {
                into.put(k, v);
            }
        });
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> load(String yaml) {
        Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        return o == null ? new LinkedHashMap<>() : (Map<String, Object>) o;
    }
}
