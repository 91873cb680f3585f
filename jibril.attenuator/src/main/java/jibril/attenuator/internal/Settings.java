package jibril.attenuator.internal;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The attenuator's options: from the {@code jibril:attenuator[:key=value...]} plugin entry (ConfigAdmin PID
 * {@code jibril.plugin.attenuator}, properties named as the keys are written), with the {@code AI_*} environment
 * variables taking precedence (DESIGN §5). Pure: {@link #from} is given both maps.
 *
 * @param enabled         whether to attenuate at all
 * @param name            the name in {@code attenuated_by} and in the dispatch chain
 * @param url             an OpenAI-compatible {@code /v1/chat/completions} endpoint
 * @param token           the bearer token, or empty for endpoints without one (a local Ollama); never shown
 * @param model           the model to ask
 * @param temperature     0-2
 * @param mode            amend, reason or block
 * @param budgetMs        the most one detection may wait for its verdict
 * @param cacheMs         how long a verdict is reused for identical detections (0: never)
 * @param cacheSize       verdicts kept at most
 * @param blockConfidence the confidence from which block mode withholds a false positive
 * @param withheldFile    where block mode keeps the events it withholds (JSON lines, mode 0600)
 * @param redact          whether environment variables and secret-looking arguments are masked in the prompt
 * @param retries         further attempts after a 429, a 5xx or a connection failure, within the budget
 * @param backoffMs       the first pause before a retry (doubled each time)
 * @param breakerFailures failed detections in a row that open the circuit breaker
 * @param breakerMs       how long an open breaker stops calling the endpoint
 * @param concurrency     requests in flight at most; further detections wait in a queue within their budget
 */
record Settings(boolean enabled, String name, URI url, String token, String model, double temperature, Mode mode,
        long budgetMs, long cacheMs, int cacheSize, double blockConfidence, Path withheldFile, boolean redact,
        int retries, long backoffMs, int breakerFailures, long breakerMs, int concurrency) {

    /** What the attenuator does with a verdict. */
    enum Mode {
        /** Adds the verdict to the event. */
        AMEND,
        /** Adds the verdict and the model's reasoning. */
        REASON,
        /** Adds the verdict; withholds confident false positives (kept in {@link Settings#withheldFile}). */
        BLOCK;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String DEFAULT_URL = "https://api.openai.com/v1/chat/completions";
    static final String DEFAULT_MODEL = "gpt-4o-mini";
    static final String DEFAULT_WITHHELD = "/var/log/jibril/attenuated.json";

    /** The option keys of the plugin entry. */
    static final List<String> KEYS = List.of("enabled", "name", "url", "token", "token-file", "model", "temperature",
            "mode", "budget", "cache-time", "cache-size", "block-confidence", "withheld-file", "redact", "retries",
            "backoff", "breaker-failures", "breaker-time", "concurrency");

    /** Environment variable → option key. */
    static final Map<String, String> ENV = envKeys();

    private static Map<String, String> envKeys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("AI_ENABLED", "enabled");
        m.put("AI_URL", "url");
        m.put("AI_TOKEN", "token");
        m.put("AI_MODEL", "model");
        m.put("AI_TEMPERATURE", "temperature");
        m.put("AI_MODE", "mode");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Properties ConfigAdmin, DS and jibril.config add, not options. */
    private static final Set<String> FRAMEWORK = Set.of("jibril.entry", "jibril.source");

    /** Wrong options, each message naming the option, what was given and what was expected. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * The settings from a plugin entry's properties (may be empty when there is no entry) and the environment.
     * Enabled by default when the entry exists; without it only {@code AI_ENABLED=true} enables it.
     *
     * @throws Invalid naming every wrong option at once
     */
    static Settings from(Map<String, ?> props, Map<String, String> env) throws Invalid {
        boolean entry = props.containsKey("jibril.entry") || props.containsKey("service.pid");
        Map<String, String> o = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, ?> e : props.entrySet()) {
            String k = e.getKey();
            // jibril.*, service.*, component.*, felix.* are the framework's (jibril.config reserves them too)
            if (FRAMEWORK.contains(k) || k.startsWith("jibril.") || k.startsWith("service.")
                    || k.startsWith("component.") || k.startsWith("felix.") || k.startsWith("osgi.")
                    || k.equals("objectClass")) {
                continue;
            }
            if (!KEYS.contains(k)) {
                errors.add("option \"" + k + "\" is unknown (expected one of " + String.join(", ", KEYS) + ")");
                continue;
            }
            o.put(k, String.valueOf(e.getValue()).strip());
        }
        Map<String, String> from = new LinkedHashMap<>();
        o.keySet().forEach(k -> from.put(k, "option " + k));
        ENV.forEach((var, key) -> {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                o.put(key, v.strip());
                from.put(key, "environment variable " + var);
            }
        });
        Function<String, String> where = k -> from.getOrDefault(k, "option " + k);
        Parse p = new Parse(o, where, errors);

        boolean enabled = p.bool("enabled", entry);
        String name = p.text("name", "openai");
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            errors.add(where.apply("name") + " \"" + name + "\": expected 1-64 letters, digits, '_', '.' or '-'");
        }
        URI url = p.url("url", DEFAULT_URL);
        String token = o.getOrDefault("token", "");
        if (token.isEmpty() && o.containsKey("token-file")) {
            try {
                token = Files.readString(Path.of(o.get("token-file"))).strip();
            } catch (IOException | RuntimeException e) {
                errors.add(where.apply("token-file") + " \"" + o.get("token-file") + "\": cannot be read ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            errors.add(where.apply("token") + ": holds spaces or characters that cannot go in an HTTP header");
            token = "";
        }
        String model = p.text("model", DEFAULT_MODEL);
        double temperature = p.number("temperature", 0.2, 0, 2);
        Mode mode = Mode.AMEND;
        String m = o.getOrDefault("mode", "amend").toLowerCase(Locale.ROOT);
        switch (m) {
            case "amend" -> mode = Mode.AMEND;
            case "reason" -> mode = Mode.REASON;
            case "block" -> mode = Mode.BLOCK;
            default -> errors.add(where.apply("mode") + " \"" + o.get("mode") + "\": expected amend, reason or block");
        }
        long budget = p.duration("budget", 10_000, 100, 600_000);
        long cache = p.duration("cache-time", 600_000, 0, 7 * 86_400_000L);
        int cacheSize = (int) p.number("cache-size", 4096, 1, 1_000_000);
        double blockConfidence = p.number("block-confidence", 0.8, 0, 1);
        Path withheld = Path.of(p.text("withheld-file", DEFAULT_WITHHELD));
        if (!withheld.isAbsolute()) {
            errors.add(where.apply("withheld-file") + " \"" + withheld + "\": expected an absolute path");
        }
        boolean redact = p.bool("redact", true);
        int retries = (int) p.number("retries", 2, 0, 10);
        long backoff = p.duration("backoff", 250, 0, 60_000);
        int breakerFailures = (int) p.number("breaker-failures", 5, 1, 10_000);
        long breakerMs = p.duration("breaker-time", 60_000, 0, 86_400_000L);
        int concurrency = (int) p.number("concurrency", 4, 1, 64);
        if (enabled && model.isBlank()) {
            errors.add(where.apply("model") + ": is empty, expected the model to ask");
        }
        if (!errors.isEmpty()) {
            throw new Invalid("jibril:attenuator: " + String.join("; ", errors));
        }
        return new Settings(enabled, name, url, token, model, temperature, mode, budget, cache, cacheSize,
                blockConfidence, withheld, redact, retries, backoff, breakerFailures, breakerMs, concurrency);
    }

    /** The settings as status shows them: everything but the token, of which only whether it is set. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", enabled);
        m.put("name", name);
        m.put("url", url.toString());
        m.put("token", token.isEmpty() ? "absent" : "set");
        m.put("model", model);
        m.put("temperature", temperature);
        m.put("mode", mode.text());
        m.put("budget.ms", budgetMs);
        m.put("cache.ms", cacheMs);
        m.put("cache.size", cacheSize);
        m.put("block.confidence", blockConfidence);
        m.put("withheld.file", withheldFile.toString());
        m.put("redact", redact);
        m.put("retries", retries);
        m.put("breaker.failures", breakerFailures);
        m.put("breaker.ms", breakerMs);
        m.put("concurrency", concurrency);
        return m;
    }

    /** Never the token. */
    @Override
    public String toString() {
        return "Settings" + describe();
    }

    private record Parse(Map<String, String> o, Function<String, String> where, List<String> errors) {

        String text(String key, String def) {
            return o.getOrDefault(key, def);
        }

        boolean bool(String key, boolean def) {
            String v = o.get(key);
            if (v == null) {
                return def;
            }
            switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> {
                    return true;
                }
                case "false", "no", "off", "0" -> {
                    return false;
                }
                default -> {
                    errors.add(where.apply(key) + " \"" + v + "\": expected true or false");
                    return def;
                }
            }
        }

        double number(String key, double def, double min, double max) {
            String v = o.get(key);
            if (v == null) {
                return def;
            }
            try {
                double d = Double.parseDouble(v);
                if (d >= min && d <= max) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            errors.add(where.apply(key) + " \"" + v + "\": expected a number from " + fmt(min) + " to " + fmt(max));
            return def;
        }

        /** Milliseconds: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d}, or a bare number of ms. */
        long duration(String key, long def, long min, long max) {
            String v = o.get(key);
            if (v == null) {
                return def;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?").matcher(v);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                long ms = switch (m.group(2) == null ? "ms" : m.group(2)) {
                    case "s" -> n * 1000;
                    case "m" -> n * 60_000;
                    case "h" -> n * 3_600_000;
                    case "d" -> n * 86_400_000;
                    default -> n;
                };
                if (ms >= min && ms <= max) {
                    return ms;
                }
            }
            errors.add(where.apply(key) + " \"" + v + "\": expected a duration from " + min + "ms to " + max
                    + "ms (e.g. 500ms, 10s, 5m, 1h)");
            return def;
        }

        URI url(String key, String def) {
            String v = o.getOrDefault(key, def);
            try {
                URI u = new URI(v);
                if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                    return u;
                }
            } catch (java.net.URISyntaxException e) {
                // reported below
            }
            errors.add(where.apply(key) + " \"" + v + "\": expected an http(s) URL such as " + DEFAULT_URL);
            return URI.create(DEFAULT_URL);
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
