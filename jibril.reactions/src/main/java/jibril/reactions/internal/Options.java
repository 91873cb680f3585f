package jibril.reactions.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The options of the {@code jibril:reactions[:key=value...]} plugin entry, shared by the dispatcher and the js and
 * shell runners. Unknown keys are ignored; a value that does not parse is an error naming the key.
 *
 * @param timeout    how long one reaction may run ({@code timeout=5s}; 100ms-10m)
 * @param workers    reactions run at once ({@code workers=2}; 1-64)
 * @param queue      reactions waiting to run; more are shed and counted ({@code queue=1024}; 1-1000000)
 * @param pidFloor   the Kill helpers refuse pids below this ({@code pid-floor=500})
 * @param dir        Jibril's reactions directory: {@code tmp/} (temporary dirs), {@code data/} (the Data* store),
 *                   {@code evidence/} ({@code dir=/var/lib/jibril/reactions})
 * @param statements a js reaction stops after this many statements ({@code statements=10000000})
 * @param outputMax  bytes of a reaction's output kept for the log and its event ({@code output-max=16384})
 * @param memory     a js reaction is stopped once its code allocated this many bytes ({@code memory=128m}): what it
 *                   allocates bounds what it can hold of the daemon's heap
 */
record Options(Duration timeout, int workers, int queue, long pidFloor, Path dir, long statements, int outputMax,
        long memory) {

    static final String PID = "jibril.plugin.reactions";

    static final Options DEFAULTS = new Options(Duration.ofSeconds(5), 2, 1024, 500,
            Path.of("/var/lib/jibril/reactions"), 10_000_000L, 16 * 1024, 128L << 20);

    /** The options of a configuration's properties (strings, as jibril.config writes them). */
    static Options of(Map<String, ?> props) {
        Options d = DEFAULTS;
        Duration timeout = duration(props, "timeout", d.timeout());
        if (timeout.toMillis() < 100 || timeout.toMinutes() > 10) {
            throw new IllegalArgumentException("timeout: must be between 100ms and 10m, not " + props.get("timeout"));
        }
        Object dir = props.get("dir");
        Path path = dir == null || String.valueOf(dir).isBlank() ? d.dir() : Path.of(String.valueOf(dir).strip());
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("dir: must be an absolute path, not " + dir);
        }
        return new Options(timeout, (int) number(props, "workers", d.workers(), 1, 64),
                (int) number(props, "queue", d.queue(), 1, 1_000_000),
                number(props, "pid-floor", d.pidFloor(), 2, 4_194_304), path.normalize(),
                number(props, "statements", d.statements(), 1000, Long.MAX_VALUE / 2),
                (int) number(props, "output-max", d.outputMax(), 256, 16 * 1024 * 1024),
                size(props, "memory", d.memory(), 1L << 20, 64L << 30));
    }

    /** {@code 512k}, {@code 128m}, {@code 1g}, or bytes. */
    static long size(Map<String, ?> props, String key, long dflt, long min, long max) {
        Object v = props.get(key);
        if (v == null || String.valueOf(v).isBlank()) {
            return dflt;
        }
        String s = String.valueOf(v).strip().toLowerCase();
        long unit = switch (s.charAt(s.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        try {
            long n = Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
            if (n < min || n > max) {
                throw new IllegalArgumentException(key + ": must be between " + min + " and " + max + " bytes, not "
                        + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a size (512k, 128m, 1g): " + v);
        }
    }

    private static long number(Map<String, ?> props, String key, long dflt, long min, long max) {
        Object v = props.get(key);
        if (v == null || String.valueOf(v).isBlank()) {
            return dflt;
        }
        try {
            long n = Long.parseLong(String.valueOf(v).strip());
            if (n < min || n > max) {
                throw new IllegalArgumentException(key + ": must be between " + min + " and " + max + ", not " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a number: " + v);
        }
    }

    /** {@code 500ms}, {@code 5s}, {@code 2m}; a bare number is seconds. */
    static Duration duration(Map<String, ?> props, String key, Duration dflt) {
        Object v = props.get(key);
        if (v == null || String.valueOf(v).isBlank()) {
            return dflt;
        }
        String s = String.valueOf(v).strip().toLowerCase();
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a duration (500ms, 5s, 2m): " + v);
        }
    }

    Path tmpRoot() {
        return dir.resolve("tmp");
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    Path evidenceDir() {
        return dir.resolve("evidence");
    }
}
