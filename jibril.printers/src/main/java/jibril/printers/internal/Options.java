package jibril.printers.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a printer's options, as {@code config.printer} entries give them ({@code jibril:printers:varlog:max-size=50M}
 * becomes {@code max-size} = {@code "50M"}), and says exactly what is wrong with one that is not understood:
 * every problem is an {@link IllegalArgumentException} naming the printer, the option, what was found and what was
 * expected, which fails the printer's activation (SCR logs it) and leaves the other printers running.
 */
final class Options {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);

    private final String printer;

    Options(String printer) {
        this.printer = printer;
    }

    /** Refuses options the printer does not know (framework properties such as jibril.* and service.* aside). */
    void onlyKnown(Map<String, Object> props, Set<String> known) {
        Set<String> unknown = new TreeSet<>();
        for (String k : props.keySet()) {
            if (!k.startsWith("jibril.") && !k.startsWith("service.") && !k.startsWith("component.")
                    && !k.startsWith("felix.") && !k.startsWith("osgi.") && !k.startsWith("objectClass")
                    && !known.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("printer " + printer + ": unknown option" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " (it knows " + String.join(", ", new TreeSet<>(known)) + ")");
        }
    }

    String required(String key, String value) {
        if (value == null || value.isBlank()) {
            throw problem(key, "", "a value (it is required)");
        }
        return value.strip();
    }

    Path path(String key, String value) {
        Path p = Path.of(required(key, value));
        if (!p.isAbsolute()) {
            throw problem(key, value, "an absolute path");
        }
        return p.normalize();
    }

    boolean bool(String key, String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw problem(key, value, "true or false");
        };
    }

    /** A byte count: {@code 1048576}, {@code 512K}, {@code 100M}, {@code 1G} (binary units; 0 turns it off). */
    long size(String key, String value) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw problem(key, value, "a size such as 1048576, 512K, 100M or 1G");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw problem(key, value, "a size that fits in 63 bits");
        }
    }

    /** A duration: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 24h}, {@code 7d}; a bare number is seconds. */
    Duration duration(String key, String value) {
        Matcher m = DURATION.matcher(value.strip());
        if (!m.matches()) {
            throw problem(key, value, "a duration such as 500ms, 30s, 10m, 24h or 7d");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw problem(key, value, "a shorter duration");
        }
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    int integer(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw problem(key, value, "a whole number " + min + ".." + max);
    }

    String oneOf(String key, String value, String... allowed) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        throw problem(key, value, "one of " + String.join(", ", allowed));
    }

    IllegalArgumentException problem(String key, String found, String expected) {
        return new IllegalArgumentException("printer " + printer + ": option " + key + "=" + found + ": expected "
                + expected);
    }
}
