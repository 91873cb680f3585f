package jibril.data.internal;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import jibril.core.api.DomainRecord;
import jibril.core.api.FileRecord;
import jibril.core.api.FlowRecord;
import jibril.core.api.ProcessInfo;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;

/**
 * Gogo {@code jibril:query}: questions to the record of the host. Returns records (one map each); with
 * {@code --json} one JSON object a line, which is what {@code bin/jibril query} prints for scripts.
 */
@Component(service = QueryCommand.class, property = { "osgi.command.scope=jibril", "osgi.command.function=query" })
public class QueryCommand {

    @Reference
    private Query query;

    private final Gson gson = new GsonBuilder().disableHtmlEscaping().create();

    @Descriptor("query Jibril's record: query processes|files|flows|domains [--pid N] [--exe REGEX] [--port N] "
            + "[--name REGEX] [--since T] [--limit N] [--json]")
    public Object query(CommandSession session, @Descriptor("processes, files, flows or domains, then: --pid N, "
            + "--exe REGEX, --path REGEX, --port N, --name REGEX, --since (RFC 3339 or 30s/5m/2h back), --limit N, "
            + "--json (JSON lines)") String... argv) {
        String what = null;
        long pid = -1;
        String exe = "";
        String path = "";
        String since = "";
        String name = "";
        long port = -1;
        int limit = 0;
        boolean json = false;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            switch (a) {
                case "--json" -> json = true;
                case "--pid" -> pid = number(a, value(argv, ++i, a));
                case "--exe" -> exe = value(argv, ++i, a);
                case "--path" -> path = value(argv, ++i, a);
                case "--since" -> since = value(argv, ++i, a);
                case "--name" -> name = value(argv, ++i, a);
                case "--port" -> port = number(a, value(argv, ++i, a));
                case "--limit" -> limit = (int) number(a, value(argv, ++i, a));
                default -> {
                    if (a.startsWith("--") || what != null) {
                        throw new IllegalArgumentException("unexpected '" + a + "' (see: help jibril:query)");
                    }
                    what = a;
                }
            }
        }
        if (what == null) {
            throw new IllegalArgumentException("what to query: processes, files, flows or domains");
        }
        Query.Filter filter = new Query.Filter(pid < 0 ? null : pid, regex("--exe", exe), regex("--path", path),
                port < 0 ? null : (int) port, regex("--name", name), instant(since), limit);
        if (!json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            rows(what, filter, rows::add);
            return rows;
        }
        // JSON lines go out as they are made: an answer of a million rows never exists as a whole in the daemon.
        PrintStream out = session.getConsole();
        rows(what, filter, row -> out.println(gson.toJson(row)));
        out.flush();
        return null;
    }

    private void rows(String what, Query.Filter filter, Consumer<Map<String, Object>> each) {
        switch (what) {
            case "processes", "process", "procs" -> query.processes(filter, p -> each.accept(row(p)));
            case "flows", "flow" -> query.flows(filter, f -> each.accept(row(f)));
            case "domains", "domain", "names" -> query.domains(filter, d -> each.accept(row(d)));
            case "files", "file" -> query.files(filter, f -> each.accept(row(f)));
            default -> throw new IllegalArgumentException(
                    "unknown record kind '" + what + "': expected processes, files, flows or domains");
        }
    }

    private static Map<String, Object> row(ProcessRecord p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", Long.toUnsignedString(p.key()));
        m.put("pid", p.pid());
        m.put("ppid", p.ppid());
        m.put("uid", p.uid());
        m.put("comm", p.comm());
        m.put("exe", p.exe());
        m.put("args", p.args());
        m.put("cmd", p.cmd());
        m.put("start", ProcessInfo.rfc3339(p.startNs()));
        m.put("exec", p.execNs() == 0 ? "" : ProcessInfo.rfc3339(p.execNs()));
        m.put("exit", p.exited() ? ProcessInfo.rfc3339(p.exitNs()) : "");
        m.put("retcode", p.retcode());
        ProcessRecord.Place place = p.place();
        m.put("user", place.user());
        m.put("gid", p.gid());
        m.put("group", place.group());
        m.put("previous_exe", place.previousExe());
        m.put("cgroup", place.cgroup());
        m.put("container_id", place.containerId());
        m.put("hostname", place.hostname());
        m.put("namespaces", place.namespaces());
        return m;
    }

    private static String value(String[] argv, int i, String option) {
        if (i >= argv.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return argv[i];
    }

    private static long number(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a number, got '" + value + "'");
        }
    }

    private static Map<String, Object> row(FileRecord f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", f.process().pid());
        m.put("exe", f.process().exe());
        m.put("path", f.path());
        m.put("actions", f.actions());
        m.put("counts", f.counts());
        m.put("type", f.type());
        m.put("mode", String.format("%04o", f.mode()));
        m.put("uid", f.uid());
        m.put("gid", f.gid());
        m.put("fs", f.fs());
        m.put("first", ProcessInfo.rfc3339(f.firstNs()));
        m.put("last", ProcessInfo.rfc3339(f.lastNs()));
        return m;
    }

    private static Map<String, Object> row(FlowRecord f) {
        Map<String, Object> m = new LinkedHashMap<>();
        ProcessRecord p = f.process();
        m.put("pid", p == null ? null : p.pid());
        m.put("exe", p == null ? "" : p.exe());
        m.put("proto", f.proto());
        m.put("ip_version", f.ipVersion());
        m.put("local", Map.of("address", f.localAddress(), "port", f.localPort()));
        Map<String, Object> remote = new LinkedHashMap<>();
        remote.put("address", f.remoteAddress());
        remote.put("port", f.remotePort());
        remote.put("names", f.remoteNames());
        m.put("remote", remote);
        m.put("initiator", f.initiator());
        m.put("state", f.state());
        m.put("ended_by", f.endedBy());
        m.put("actions", f.actions());
        m.put("bytes_in", f.bytesIn());
        m.put("bytes_out", f.bytesOut());
        m.put("packets_in", f.packetsIn());
        m.put("packets_out", f.packetsOut());
        m.put("first", ProcessInfo.rfc3339(f.firstNs()));
        m.put("last", ProcessInfo.rfc3339(f.lastNs()));
        return m;
    }

    private static Map<String, Object> row(DomainRecord d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("cnames", d.cnames());
        m.put("addresses", d.addresses());
        m.put("first", ProcessInfo.rfc3339(d.firstNs()));
        m.put("last", ProcessInfo.rfc3339(d.lastNs()));
        return m;
    }

    static Pattern regex(String option, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(option + ": not a regular expression: " + e.getDescription());
        }
    }

    static Instant instant(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (java.time.format.DateTimeParseException notAnInstant) {
            try {
                return Instant.now().minus(Duration.parse("PT" + value.toUpperCase()));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("--since: expected an RFC 3339 instant or a duration like 30s, 5m, 2h, got '"
                        + value + "'");
            }
        }
    }
}
