package jibril.reactions.internal;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

import jibril.core.api.Event;
import jibril.core.api.ProcessInfo;

/** Events, options and a recording logger for the unit tests. */
final class Fixtures {

    private Fixtures() {
    }

    static Options options(Path dir) {
        return new Options(Duration.ofSeconds(5), 2, 64, 500, dir, 10_000_000L, 16 * 1024, 128L << 20);
    }

    /** A process as a detection shows it; its start is the real one when pid runs, like the data layer's. */
    static ProcessInfo process(long pid, long ppid, String comm) {
        String start = ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(Object::toString)
                .orElse("2026-11-25T10:00:00Z");
        return new ProcessInfo(start, "", 0, 0, pid, ppid, comm, comm + " x", "/usr/bin/" + comm,
                "x");
    }

    static Event event(long pid, long ppid) {
        return new Event("11111111-2222-3333-4444-555555abcdef", "2026-11-25T10:00:00Z", "",
                new Event.Metadata("file_access", "probe_recipe", "file_access", "1.0", "d", "t", "te", "st", "high",
                        ""),
                Event.Score.ofImportance("high"), process(pid, ppid, "probe"),
                new Event.Background(List.of(process(ppid, 1, "parent"))), null,
                new Event.FileInfo("/tmp/reactions_tests/x.txt", "/tmp/reactions_tests", "x.txt", List.of("unlink"),
                        Map.of("unlink", 1L), "file", "0644", 0, 0, "tmpfs", "", ""),
                new Event.FlowInfo(4, "tcp", new Event.Node("10.0.0.1", "", List.of(), 1234),
                        new Event.Node("192.0.2.7", "evil.example", List.of("evil.example", "cdn.example"), 443), 443,
                        List.of("connect"), Map.of("egress", true), Map.of()),
                null);
    }

    /** A Logger that keeps "level: message" lines. */
    static Logger logger(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] { Logger.class },
                (proxy, m, args) -> {
                    String name = m.getName();
                    if (name.equals("getName")) {
                        return "test";
                    }
                    if (name.startsWith("is")) {
                        return true;
                    }
                    if (args != null && args.length > 0 && args[0] instanceof String fmt) {
                        String msg = fmt;
                        for (int i = 1; i < args.length; i++) {
                            msg = msg.replaceFirst("\\{\\}", java.util.regex.Matcher.quoteReplacement(
                                    String.valueOf(args[i] instanceof Object[] a && a.length > 0 ? a[0] : args[i])));
                        }
                        lines.add(name + ": " + msg);
                    }
                    return null;
                });
    }

    static List<String> lines() {
        return new CopyOnWriteArrayList<>();
    }
}
