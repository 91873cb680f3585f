package jibril.reactions.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import com.google.gson.Gson;

import jibril.core.api.Event;
import jibril.core.api.NetPolicy;
import jibril.core.api.Reaction;

/**
 * The helpers a reaction may call, for one run: everything a reaction can do beyond computing. Return codes as the
 * original product documents them: {@code 0} done, {@code 1} nothing to do (already done, already gone),
 * {@code -1} error, with the reason in {@link #errno()}. Helpers never throw.
 */
final class Helpers {

    /** Where log lines of a reaction go (the daemon log). */
    interface Log {
        void log(String level, String message);
    }

    static final long READ_MAX = 16L * 1024 * 1024;

    private final Reaction reaction;
    private final Event event;
    private final Options options;
    private final DataStore store;
    private final Supplier<NetPolicy> net;
    private final KillGuard guard;
    private final Log log;
    private final StringBuilder output = new StringBuilder();
    private String errno = "";

    Helpers(Reaction reaction, Event event, Options options, DataStore store, Supplier<NetPolicy> net,
            KillGuard guard, Log log) {
        this.reaction = reaction;
        this.event = event;
        this.options = options;
        this.store = store;
        this.net = net;
        this.guard = guard;
        this.log = log;
    }

    /** What the reaction logged, bounded by {@link Options#outputMax()}. */
    String output() {
        return output.toString();
    }

    /** The reason of the last helper that failed, empty when none has. */
    String errno() {
        return errno;
    }

    private int fail(String why) {
        errno = why;
        return -1;
    }

    private static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "ENOENT: no such file or directory: " + e.getMessage();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "EACCES: permission denied: " + e.getMessage();
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "ENOTEMPTY: directory not empty: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    // ---------------------------------------------------------------- logging

    void info(String msg) {
        say("info", msg);
    }

    void warn(String msg) {
        say("warn", msg);
    }

    void error(String msg) {
        say("error", msg);
    }

    void say(String level, String msg) {
        String line = String.valueOf(msg);
        log.log(level, line);
        if (output.length() < options.outputMax()) {
            String entry = level + ": " + line + "\n";
            output.append(entry, 0, Math.min(entry.length(), options.outputMax() - output.length()));
        }
    }

    // ---------------------------------------------------------------- processes

    int killCurrent() {
        if (event.process() == null) {
            return fail("EINVAL: the detection has no process");
        }
        return killProcess(event.process().pid());
    }

    int killParent() {
        if (event.process() == null) {
            return fail("EINVAL: the detection has no process");
        }
        return killProcess(event.process().ppid());
    }

    int killProcess(long pid) {
        String refused = guard.refuses(pid);
        if (refused != null) {
            return fail("EPERM: refused: " + refused);
        }
        String reused = reused(pid);
        if (reused != null) {
            errno = "ESRCH: " + reused;
            return 1;
        }
        int rc = guard.kill(pid);
        if (rc == 0) {
            return 0;
        }
        if (rc == Libc.ESRCH) {
            errno = Libc.errnoName(rc);
            return 1;
        }
        return fail(Libc.errnoName(rc));
    }

    /** How far apart two readings of one process's start may be (/proc's boot time is whole seconds). */
    static final Duration START_SLACK = Duration.ofSeconds(2);

    /**
     * When the detection knows pid (its process or an ancestor) and the pid now belongs to a process that started
     * at another time, the one the detection saw is gone and its pid reused: why, else null.
     */
    String reused(long pid) {
        String expected = null;
        if (event.process() != null && event.process().pid() == pid) {
            expected = event.process().start();
        } else if (event.background() != null && event.background().ancestry() != null) {
            for (var p : event.background().ancestry()) {
                if (p.pid() == pid) {
                    expected = p.start();
                    break;
                }
            }
        }
        if (expected == null || expected.isBlank()) {
            return null;
        }
        java.time.Instant want;
        try {
            want = java.time.Instant.parse(expected);
        } catch (RuntimeException e) {
            return null;
        }
        java.util.Optional<java.time.Instant> now = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant());
        if (now.isEmpty()) {
            return null;
        }
        if (Duration.between(want, now.get()).abs().compareTo(START_SLACK) > 0) {
            return "pid " + pid + " is another process now (started " + now.get() + "; the detection's started "
                    + want + ")";
        }
        return null;
    }

    // ---------------------------------------------------------------- files

    String readFile(String path) {
        try {
            Path p = Path.of(path);
            long size = Files.size(p);
            if (size > READ_MAX) {
                fail("EFBIG: " + path + " is larger than " + READ_MAX + " bytes");
                return "";
            }
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            fail(why(e));
        } catch (RuntimeException e) {
            fail("EINVAL: " + e.getMessage());
        }
        return "";
    }

    /** Writes (replaces) a file with mode 0600. */
    int writeFile(String path, String content) {
        try {
            Path p = Path.of(path);
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else if (Files.isSymbolicLink(p)) {
                return fail("ELOOP: " + path + " is a symbolic link");
            }
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(p, String.valueOf(content), StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            return 0;
        } catch (IOException e) {
            return fail(why(e));
        } catch (RuntimeException e) {
            return fail("EINVAL: " + e.getMessage());
        }
    }

    /** name, size, mode (octal text), modTime (RFC 3339), isDir; null on error. */
    Map<String, Object> stat(String path) {
        try {
            Path p = Path.of(path);
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.getFileName() == null ? "/" : p.getFileName().toString());
            m.put("size", a.size());
            m.put("mode", octal(a.permissions()));
            m.put("modTime", a.lastModifiedTime().toInstant().toString());
            m.put("isDir", a.isDirectory());
            return m;
        } catch (IOException e) {
            fail(why(e));
        } catch (RuntimeException e) {
            fail("EINVAL: " + e.getMessage());
        }
        return null;
    }

    static String octal(Set<PosixFilePermission> perms) {
        int bits = 0;
        for (PosixFilePermission p : perms) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", bits);
    }

    /** A new 0700 directory under the reactions temp root; "" on error. */
    String createTempDir() {
        try {
            Path root = tmpRoot();
            return Files.createTempDirectory(root, "reaction-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))).toString();
        } catch (IOException e) {
            fail(why(e));
            return "";
        }
    }

    /** Removes a directory tree, only under the reactions temp root. */
    int removeDir(String path) {
        try {
            Path root = tmpRoot().toRealPath();
            Path p = Path.of(path).toAbsolutePath().normalize();
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                errno = "ENOENT: no such file or directory: " + path;
                return 1;
            }
            Path real = p.toRealPath();
            if (!real.startsWith(root) || real.equals(root)) {
                return fail("EPERM: refused: " + path + " is not under " + root);
            }
            deleteTree(real);
            return 0;
        } catch (IOException e) {
            return fail(why(e));
        } catch (RuntimeException e) {
            return fail("EINVAL: " + e.getMessage());
        }
    }

    private Path tmpRoot() throws IOException {
        Path root = options.tmpRoot();
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        return root;
    }

    /** Deletes a tree without following symbolic links out of it. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    // ---------------------------------------------------------------- data store

    private DataStore.Bucket bucket() {
        return store.bucket(reaction.recipe());
    }

    private int saved(DataStore.Bucket b) {
        try {
            b.save();
            return 0;
        } catch (IOException e) {
            return fail(why(e));
        }
    }

    int dataSet(String key, String value) {
        if (key == null || value == null) {
            return fail("EINVAL: key and value are required");
        }
        if (value.length() > DataStore.MAX_VALUE) {
            return fail("EFBIG: value larger than " + DataStore.MAX_VALUE + " characters");
        }
        DataStore.Bucket b = bucket();
        synchronized (b) {
            if (!b.map.containsKey(key) && b.map.size() >= DataStore.MAX_ENTRIES) {
                return fail("ENOSPC: the store holds " + DataStore.MAX_ENTRIES + " keys");
            }
            b.map.put(key, value);
            return saved(b);
        }
    }

    String dataGet(String key) {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            String v = b.map.get(key);
            if (v == null) {
                errno = "ENOENT: no key " + key;
                return "";
            }
            return v;
        }
    }

    int dataDelete(String key) {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            if (b.map.remove(key) == null) {
                errno = "ENOENT: no key " + key;
                return 1;
            }
            return saved(b);
        }
    }

    int dataPush(String value) {
        if (value == null) {
            return fail("EINVAL: a value is required");
        }
        if (value.length() > DataStore.MAX_VALUE) {
            return fail("EFBIG: value larger than " + DataStore.MAX_VALUE + " characters");
        }
        DataStore.Bucket b = bucket();
        synchronized (b) {
            if (b.stack.size() >= DataStore.MAX_ENTRIES) {
                return fail("ENOSPC: the stack holds " + DataStore.MAX_ENTRIES + " values");
            }
            b.stack.add(value);
            return saved(b);
        }
    }

    String dataPop() {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            if (b.stack.isEmpty()) {
                errno = "ENOENT: the stack is empty";
                return "";
            }
            String v = b.stack.remove(b.stack.size() - 1);
            saved(b);
            return v;
        }
    }

    /** The keys as a JSON array text. */
    String dataKeys() {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            return new Gson().toJson(new ArrayList<>(b.map.keySet()));
        }
    }

    /** The values as a JSON array text. */
    String dataValues() {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            return new Gson().toJson(new ArrayList<>(b.map.values()));
        }
    }

    int dataClear() {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            b.map.clear();
            b.stack.clear();
            return saved(b);
        }
    }

    int dataSize() {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            return b.map.size();
        }
    }

    boolean dataIsEmpty() {
        return dataSize() == 0;
    }

    boolean dataHasKey(String key) {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            return b.map.containsKey(key);
        }
    }

    boolean dataHasValue(String value) {
        DataStore.Bucket b = bucket();
        synchronized (b) {
            return b.map.containsValue(value);
        }
    }

    // ---------------------------------------------------------------- network policy

    /** The addresses a detection names: its flow's remote end and the remote ends of its background flows. */
    List<String> eventAddresses() {
        Set<String> out = new LinkedHashSet<>();
        if (event.flow() != null && event.flow().remote() != null) {
            add(out, event.flow().remote().address());
        }
        if (event.background() != null && event.background().flowList() != null) {
            for (Event.FlowInfo f : event.background().flowList()) {
                if (f.remote() != null) {
                    add(out, f.remote().address());
                }
            }
        }
        return List.copyOf(out);
    }

    /** The domain names a detection names, the same way. */
    List<String> eventDomains() {
        Set<String> out = new LinkedHashSet<>();
        List<Event.FlowInfo> flows = new ArrayList<>();
        if (event.flow() != null) {
            flows.add(event.flow());
        }
        if (event.background() != null && event.background().flowList() != null) {
            flows.addAll(event.background().flowList());
        }
        for (Event.FlowInfo f : flows) {
            if (f.remote() != null) {
                add(out, f.remote().name());
                if (f.remote().names() != null) {
                    f.remote().names().forEach(n -> add(out, n));
                }
            }
        }
        return List.copyOf(out);
    }

    private static void add(Set<String> out, String s) {
        if (s != null && !s.isBlank()) {
            out.add(s);
        }
    }

    private interface NetCall {
        boolean apply(NetPolicy p, String target);
    }

    /** 0 when one target changed, 1 when none needed to, -1 on the first error. */
    private int net(List<String> targets, String what, NetCall call) {
        NetPolicy p = net.get();
        if (p == null) {
            return fail("ENOSYS: netpolicy is not running (add jibril:netpolicy to config.plugin)");
        }
        if (targets.isEmpty()) {
            return fail("EINVAL: no " + what + " given and the detection names none");
        }
        boolean changed = false;
        for (String t : targets) {
            try {
                changed |= call.apply(p, t);
            } catch (RuntimeException e) {
                return fail("EINVAL: " + t + ": " + e.getMessage());
            }
        }
        if (!changed) {
            errno = "EEXIST: nothing to change for " + String.join(", ", targets);
        }
        return changed ? 0 : 1;
    }

    private static List<String> given(String target, List<String> fromEvent) {
        return target == null || target.isBlank() ? fromEvent : List.of(target.strip());
    }

    int netBlockIp(String cidr) {
        return net(given(cidr, eventAddresses()), "address", (p, t) -> p.blockAddress(t, null));
    }

    int netBlockIpTimer(String cidr, long seconds) {
        if (seconds <= 0) {
            return fail("EINVAL: the duration must be a positive number of seconds, not " + seconds);
        }
        return net(given(cidr, eventAddresses()), "address",
                (p, t) -> p.blockAddress(t, Duration.ofSeconds(seconds)));
    }

    int netUnblockIp(String cidr) {
        return net(given(cidr, eventAddresses()), "address", NetPolicy::unblockAddress);
    }

    int netBlockDomain(String domain) {
        return net(given(domain, eventDomains()), "domain", (p, t) -> p.blockDomain(t, null));
    }

    int netUnblockDomain(String domain) {
        return net(given(domain, eventDomains()), "domain", NetPolicy::unblockDomain);
    }

    // ---------------------------------------------------------------- evidence

    /** Collects a process's evidence (see {@link Evidence}); the folder, or "" on error. */
    String collectEvidence(long pid) {
        long target = pid > 0 ? pid : event.process() == null ? -1 : event.process().pid();
        if (target <= 0) {
            fail("EINVAL: no pid given and the detection has no process");
            return "";
        }
        try {
            return Evidence.collect(target, options.evidenceDir(), event.uuid()).toString();
        } catch (IOException e) {
            fail(why(e));
            return "";
        }
    }
}
