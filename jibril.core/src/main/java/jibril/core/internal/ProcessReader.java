package jibril.core.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jibril.bpf.BpfMap;
import jibril.bpf.BpfRuntime;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;

/**
 * Turns entries of the kernel's tasks map into {@link jibril.core.api.ProcessInfo} records: exe and arguments
 * resolved through the strings dictionary (cached: a key's string never changes), times converted from the boot
 * clock to wall-clock RFC 3339, and the ancestry walked through parent keys. A parent the maps do not know (it
 * started before Jibril, or its entry was reclaimed) is read from {@code /proc} instead.
 */
final class ProcessReader {

    static final int MAX_ANCESTRY = 32;
    private static final int STRING_CACHE = 16_384;

    private final BpfMap tasks;
    private final BpfMap strings;
    private final byte[] key = new byte[8];
    private final byte[] taskValue;
    private final byte[] stringValue;
    private final Map<Long, String> stringCache = Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
                    return size() > STRING_CACHE;
                }
            });

    ProcessReader(BpfMap tasks, BpfMap strings) {
        this.tasks = tasks;
        this.strings = strings;
        this.taskValue = new byte[tasks.valueSize()];
        this.stringValue = new byte[strings.valueSize()];
    }

    /** The task under this key, or null. */
    synchronized Task task(long taskKey) {
        ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, taskKey);
        if (!tasks.lookupInto(key, taskValue)) {
            return null;
        }
        return TaskLayout.decode(ByteBuffer.wrap(taskValue).order(ByteOrder.nativeOrder()));
    }

    /** The dictionary string under this key; empty when unknown. */
    synchronized String string(long stringKey) {
        if (stringKey == 0) {
            return "";
        }
        String cached = stringCache.get(stringKey);
        if (cached != null) {
            return cached;
        }
        ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).putLong(0, stringKey);
        if (!strings.lookupInto(key, stringValue)) {
            return "";
        }
        String s = StringLayout.decode(ByteBuffer.wrap(stringValue).order(ByteOrder.nativeOrder())).text();
        stringCache.put(stringKey, s);
        return s;
    }

    jibril.core.api.ProcessInfo describe(Task t, long bootNow, long wallNowNanos) {
        List<String> argv = splitArgs(string(t.argsKey()));
        String exe = string(t.exeKey());
        boolean exited = (t.flags() & TaskLayout.FLAG_EXITED) != 0;
        return new jibril.core.api.ProcessInfo(
                rfc3339(wallNowNanos - (bootNow - t.startNs())),
                exited ? rfc3339(wallNowNanos - (bootNow - t.exitNs())) : "",
                exited ? retcode(t.exitCode()) : 0,
                Integer.toUnsignedLong(t.uid()), t.pid(), t.ppid(), t.comm(),
                String.join(" ", argv), exe,
                argv.size() > 1 ? String.join(" ", argv.subList(1, argv.size())) : "");
    }

    /** Parents of t, nearest first: from the tasks map while it knows them, then from /proc. */
    List<jibril.core.api.ProcessInfo> ancestry(Task t, long bootNow, long wallNowNanos) {
        List<jibril.core.api.ProcessInfo> chain = new ArrayList<>();
        Task cur = t;
        while (chain.size() < MAX_ANCESTRY && cur.ppid() > 0) {
            Task parent = task(cur.parentKey());
            if (parent == null) {
                ProcFs.ancestry(cur.ppid(), MAX_ANCESTRY - chain.size(), chain);
                break;
            }
            chain.add(describe(parent, bootNow, wallNowNanos));
            cur = parent;
        }
        return chain;
    }

    static List<String> splitArgs(String nulSeparated) {
        List<String> out = new ArrayList<>();
        if (nulSeparated.isEmpty()) {
            return out;
        }
        String s = nulSeparated.endsWith("\0") ? nulSeparated.substring(0, nulSeparated.length() - 1) : nulSeparated;
        for (String a : s.split("\0", -1)) {
            out.add(a);
        }
        return out;
    }

    /** Shell-style return code of a wait status: the exit code, or 128 + the signal that killed it. */
    static int retcode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    static String rfc3339(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }

    static long wallNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static long bootNanos() {
        return BpfRuntime.bootTimeNanos();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads processes the maps do not know from /proc. */
    static final class ProcFs {
        private ProcFs() {
        }

        static void ancestry(long pid, int max, List<jibril.core.api.ProcessInfo> out) {
            long bootNow = bootNanos();
            long wallNow = wallNanos();
            while (pid > 0 && out.size() < max) {
                Path dir = Path.of("/proc", Long.toString(pid));
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String comm = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    long ppid = Long.parseLong(f[1]);
                    long startTicks = Long.parseLong(f[19]);
                    List<String> argv = splitArgs(Files.readString(dir.resolve("cmdline"), StandardCharsets.UTF_8));
                    String exe;
                    try {
                        exe = Files.readSymbolicLink(dir.resolve("exe")).toString();
                    } catch (java.io.IOException e) {
                        exe = "";
                    }
                    long uid = Files.readAllLines(dir.resolve("status")).stream().filter(l -> l.startsWith("Uid:"))
                            .map(l -> Long.parseLong(l.split("\\s+")[1])).findFirst().orElse(-1L);
                    out.add(new jibril.core.api.ProcessInfo(
                            rfc3339(wallNow - (bootNow - startTicks * 10_000_000L)), "", 0, uid, pid, ppid, comm,
                            String.join(" ", argv), exe,
                            argv.size() > 1 ? String.join(" ", argv.subList(1, argv.size())) : ""));
                    pid = ppid;
                } catch (java.io.IOException | RuntimeException e) {
                    return; // gone, or not readable: the chain ends here
                }
            }
        }
    }
}
