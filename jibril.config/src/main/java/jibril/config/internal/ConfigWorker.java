package jibril.config.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Loads the configuration, applies it through a {@link ConfigStore}, then polls the file and applies every valid
 * change; an invalid change is reported and the last good configuration stays in force.
 *
 * <p>Polling is deliberate: a Kubernetes ConfigMap is updated by swapping a symlink, which a WatchService on the
 * file's directory does not see. Each poll compares the file's modification time, size and identity (inode); every
 * {@value #REHASH_EVERY} polls, and whenever those change, it reads the file and compares a SHA-256 of the content.
 * New content is used once it has been seen unchanged on two polls in a row, so a file caught half-written is not
 * reported as broken.
 *
 * <p>The logic is in {@link #tick()}, which tests call directly; {@link #start} runs it on a thread.
 */
final class ConfigWorker {

    /** The embedded default configuration, a resource of this bundle. */
    static final String EMBEDDED_RESOURCE = "jibril/config/default-config.yaml";
    /** How the embedded default is named in messages. */
    static final String EMBEDDED_LABEL = "embedded:" + EMBEDDED_RESOURCE;
    /** The file used when the framework property {@code jibril.config} is not set. */
    static final Path DEFAULT_FILE = Path.of("/etc/jibril/config.yaml");

    private static final int REHASH_EVERY = 10;
    /** The largest file read, in bytes (a UTF-8 character takes up to 4). */
    private static final long MAX_BYTES = 4L * ConfigParser.MAX_CHARS;

    /** What the worker reports to its owner: log lines, and a configuration that cannot be used at start. */
    interface Listener {
        void info(String message);

        void warn(String message);

        void error(String message);

        /** No good configuration has been applied since start, and the configuration read is not usable. */
        void startFailed(String reason);
    }

    /**
     * A snapshot of the worker's state.
     *
     * @param file     the file in use, or {@code embedded}
     * @param state    {@code starting}, {@code ok} or {@code error}
     * @param loaded   when the configuration was last read and checked, or {@code null}
     * @param applied  when a good configuration was last applied, or {@code null}
     * @param errors   the current errors
     * @param warnings the current warnings
     * @param pids     the configurations in force, made from the last good configuration
     * @param ready    whether a good configuration has been applied
     */
    record Status(String file, String state, Instant loaded, Instant applied, List<String> errors,
            List<String> warnings, List<String> pids, boolean ready) {
    }

    /** File identity and metadata compared on every poll. */
    private record Stat(FileTime modified, long size, Object key) {
    }

    private final Overrides overrides;
    private final ConfigStore store;
    private final Listener listener;
    private final Path fallback;
    private final CountDownLatch stopSignal = new CountDownLatch(1);

    // state of the poll; touched only by the thread running tick()
    private Path path;
    private boolean attempted;
    private Stat lastStat;
    private String seenHash;
    private String pendingHash;
    private int quietPolls;
    private boolean missingReported;
    private String lastReadError;
    private List<String> pidsInForce = List.of();

    private volatile Status status;
    private volatile boolean startFailed;
    private volatile boolean everApplied;
    private Thread thread;

    /**
     * @param path      the file to read, or {@code null} for the embedded default
     * @param fallback  with the embedded default, a file to switch to once it appears (or {@code null})
     * @param overrides command-line overrides
     * @param store     where configurations are written
     * @param listener  where logs and a start failure go
     */
    ConfigWorker(Path path, Path fallback, Overrides overrides, ConfigStore store, Listener listener) {
        this.path = path;
        this.fallback = fallback;
        this.overrides = overrides;
        this.store = store;
        this.listener = listener;
        this.status = new Status(fileName(), "starting", null, null, List.of(), List.of(), List.of(), false);
    }

    /**
     * Chooses the worker for the framework property {@code jibril.config}: that file if set, else
     * {@code defaultFile} if it exists, else the embedded default (which gives way to {@code defaultFile} once it
     * appears).
     */
    static ConfigWorker choose(String property, Path defaultFile, Overrides overrides, ConfigStore store,
            Listener listener) {
        if (property != null && !property.isBlank()) {
            return new ConfigWorker(Path.of(property.strip()).toAbsolutePath().normalize(), null, overrides, store,
                    listener);
        }
        if (Files.exists(defaultFile)) {
            return new ConfigWorker(defaultFile, null, overrides, store, listener);
        }
        return new ConfigWorker(null, defaultFile, overrides, store, listener);
    }

    Status status() {
        return status;
    }

    /** Whether a configuration read since start was unusable and no good one has been applied yet. */
    boolean failedAtStart() {
        return startFailed && !everApplied;
    }

    // ---- the thread

    void start(long pollMillis) {
        Thread t = new Thread(() -> loop(pollMillis), "jibril.config watcher");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    private void loop(long pollMillis) {
        try {
            do {
                try {
                    tick();
                } catch (RuntimeException e) {
                    listener.error("configuration watcher: unexpected failure, will retry: " + e);
                }
            } while (!stopSignal.await(pollMillis, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the thread; returns whether it ended within the timeout (it is interrupted if not). */
    boolean stop(long timeoutMillis) throws InterruptedException {
        stopSignal.countDown();
        Thread t = thread;
        if (t == null) {
            return true;
        }
        t.join(timeoutMillis);
        if (t.isAlive()) {
            t.interrupt();
            return false;
        }
        return true;
    }

    // ---- one poll

    void tick() {
        if (path == null) {
            if (!attempted) {
                String text = embeddedText();
                attempted = true;
                load(EMBEDDED_LABEL, text, Pids.EMBEDDED);
                return;
            }
            if (fallback == null || !Files.isRegularFile(fallback)) {
                return;
            }
            listener.info(fallback + " appeared: using it instead of the embedded default configuration");
            path = fallback;
            lastStat = null;
            seenHash = null;
            pendingHash = null;
            attempted = false;
        }
        Stat stat = stat(path);
        if (stat == null) {
            if (!attempted) {
                attempted = true;
                fail(List.of(Problem.error(path.toString(), 0, 0, "", "cannot read the file: it does not exist")));
            } else if (!missingReported) {
                missingReported = true;
                listener.warn(path + " is gone; the configuration in force stays until it is back");
            }
            return;
        }
        if (missingReported) {
            missingReported = false;
            listener.info(path + " is back");
        }
        boolean changed = !stat.equals(lastStat);
        if (!changed && pendingHash == null && ++quietPolls < REHASH_EVERY) {
            return;
        }
        quietPolls = 0;
        lastStat = stat;
        byte[] bytes;
        try {
            bytes = read(path, stat);
            lastReadError = null;
        } catch (IOException e) {
            String message = "cannot read the file: " + describe(e);
            if (!attempted) {
                attempted = true;
                fail(List.of(Problem.error(path.toString(), 0, 0, "", message)));
            } else if (!message.equals(lastReadError)) {
                lastReadError = message;
                listener.error(path + ": " + message + "; the configuration in force stays");
            }
            return;
        }
        String hash = sha256(bytes);
        if (attempted) {
            if (hash.equals(seenHash)) {
                pendingHash = null;
                return;
            }
            if (!hash.equals(pendingHash)) {
                pendingHash = hash; // use it once it has been seen unchanged on the next poll
                return;
            }
        }
        attempted = true;
        pendingHash = null;
        seenHash = hash;
        String text;
        try {
            text = decode(bytes);
        } catch (CharacterCodingException e) {
            loaded(List.of(Problem.error(path.toString(), 0, 0, "", "the file is not valid UTF-8 text")),
                    List.of());
            return;
        }
        load(path.toString(), text, path.toString());
    }

    private void load(String label, String text, String source) {
        ConfigParser.Result r = ConfigParser.parse(label, text, overrides);
        List<String> warnings = new ArrayList<>();
        for (Problem w : r.warnings()) {
            warnings.add(w.toString());
            listener.warn(w.toString());
        }
        if (!r.ok()) {
            loaded(r.errors(), warnings);
            return;
        }
        Map<String, Map<String, Object>> wanted = Pids.of(r.config(), source);
        Applier.Outcome o = Applier.apply(wanted, store);
        for (String c : o.conflicts()) {
            warnings.add(c);
            listener.warn(c);
        }
        for (String f : o.failures()) {
            listener.error(f);
        }
        listener.info("configuration " + label + " applied: " + o.summary());
        everApplied = true;
        pidsInForce = List.copyOf(wanted.keySet());
        Instant now = Instant.now();
        status = new Status(fileName(), o.failures().isEmpty() ? "ok" : "error", now, now, o.failures(), warnings,
                pidsInForce, true);
    }

    /** A configuration was read and is not usable. */
    private void loaded(List<Problem> errors, List<String> warnings) {
        List<String> lines = errors.stream().map(Problem::toString).toList();
        lines.forEach(listener::error);
        Status before = status;
        status = new Status(fileName(), "error", Instant.now(), before.applied(), lines, warnings, pidsInForce,
                everApplied);
        if (everApplied) {
            listener.error("configuration " + fileName() + " has " + count(errors.size(), "error")
                    + "; the last good configuration stays in force");
        } else {
            startFailed = true;
            listener.startFailed("configuration " + fileName() + " is not usable (" + count(errors.size(), "error")
                    + "): " + lines.get(0));
        }
    }

    private void fail(List<Problem> errors) {
        loaded(errors, List.of());
    }

    private String fileName() {
        return path == null ? Pids.EMBEDDED : path.toString();
    }

    // ---- file access

    private static Stat stat(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new Stat(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] read(Path p, Stat stat) throws IOException {
        if (stat.size() > MAX_BYTES) {
            throw new IOException("it has " + stat.size() + " bytes, more than the limit of " + MAX_BYTES);
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException("it has more than " + MAX_BYTES + " bytes");
            }
            return bytes;
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "it does not exist";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The embedded default configuration's text. */
    static String embeddedText() {
        try (InputStream in = ConfigWorker.class.getClassLoader().getResourceAsStream(EMBEDDED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(EMBEDDED_RESOURCE + " is missing from the bundle");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
