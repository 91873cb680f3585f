package jibril.config.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigParserTest {

    private static final String FILE = "/etc/jibril/config.yaml";

    private static ConfigParser.Result parse(String yaml) {
        return ConfigParser.parse(FILE, yaml, Overrides.NONE);
    }

    private static List<String> errors(String yaml) {
        ConfigParser.Result r = parse(yaml);
        assertFalse(r.ok(), "expected errors for:\n" + yaml);
        assertNull(r.config());
        return r.errors().stream().map(Problem::toString).toList();
    }

    private static String onlyError(String yaml) {
        List<String> errors = errors(yaml);
        assertEquals(1, errors.size(), () -> "expected one error, got " + errors);
        return errors.get(0);
    }

    private static JibrilConfig ok(String yaml) {
        ConfigParser.Result r = parse(yaml);
        assertTrue(r.ok(), () -> "unexpected errors: " + r.errors());
        return r.config();
    }

    // ---- the embedded default

    /** The exact configurations the embedded default produces. */
    static Map<String, Map<String, Object>> expectedDefault(String source) {
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        m.put("jibril.runtime", props("log.level", "info", "health.enabled", true, "health.port", 9773, "stdout",
                "stdout", "stderr", "stderr", "jibril.source", source));
        m.put("jibril.cadences", props("file.access", 9, "network.peers", 9, "network.flows", 9, "env.vars", 9,
                "jibril.source", source));
        Map<String, Object> caches = new LinkedHashMap<>();
        for (String k : List.of("rec.tasks", "tasks", "cmds", "args", "files", "dirs", "bases", "task.file",
                "file.task", "task.ref", "flows", "task.flow", "flow.task", "flow.ref")) {
            caches.put(k, 65536);
        }
        caches.put("jibril.source", source);
        m.put("jibril.caches", caches);
        m.put("jibril.extensions", props("names", new String[] { "config", "data", "jibril" }, "jibril.source",
                source));
        m.put("jibril.events", props("enabled", new String[] {}, "jibril.source", source));
        m.put("jibril.plugin.hold", props("jibril.entry", "jibril:hold", "jibril.source", source));
        m.put("jibril.plugin.procfs", props("jibril.entry", "jibril:procfs", "jibril.source", source));
        m.put("jibril.plugin.printers", props("jibril.entry", "jibril:printers", "jibril.source", source));
        m.put("jibril.plugin.detect", props("jibril.entry", "jibril:detect", "jibril.source", source));
        m.put("jibril.plugin.alchemies", props("path", "/etc/jibril/alchemies", "jibril.entry",
                "jibril:alchemies:path=/etc/jibril/alchemies", "jibril.source", source));
        m.put("jibril.plugin.reactions", props("jibril.entry", "jibril:reactions", "jibril.source", source));
        m.put("jibril.printer.stdout~stdout", props("jibril.entry", "jibril:printers:stdout", "jibril.printer.name",
                "stdout", "jibril.source", source));
        return m;
    }

    static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static void assertConfigurations(Map<String, Map<String, Object>> expected,
            Map<String, Map<String, Object>> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        for (String pid : expected.keySet()) {
            Map<String, Object> e = expected.get(pid);
            Map<String, Object> a = actual.get(pid);
            assertEquals(List.copyOf(e.keySet()), List.copyOf(a.keySet()), pid);
            for (String k : e.keySet()) {
                Object ev = e.get(k);
                Object av = a.get(k);
                if (ev instanceof Object[] arr) {
                    assertArrayEquals(arr, (Object[]) av, pid + " " + k);
                } else {
                    assertEquals(ev, av, pid + " " + k);
                    assertEquals(ev.getClass(), av.getClass(), pid + " " + k + " type");
                }
            }
        }
    }

    @Test
    void embeddedDefaultIsValidAndGivesTheDocumentedConfigurations() {
        ConfigParser.Result r = ConfigParser.parse(ConfigWorker.EMBEDDED_LABEL, ConfigWorker.embeddedText(),
                Overrides.NONE);
        assertTrue(r.ok(), () -> r.errors().toString());
        assertEquals(List.of(), r.warnings());
        assertConfigurations(expectedDefault("embedded"), Pids.of(r.config(), Pids.EMBEDDED));
    }

    @Test
    void emptyFileGivesTheSameDefaultsAsTheEmbeddedFileWithAWarning() {
        ConfigParser.Result r = parse("# nothing but a comment\n");
        assertTrue(r.ok());
        assertEquals(List.of(FILE + ": the file holds no settings; the defaults apply"),
                r.warnings().stream().map(Problem::toString).toList());
        assertConfigurations(expectedDefault(FILE), Pids.of(r.config(), FILE));
    }

    @Test
    void emptySectionsKeepDefaultsAndEmptyListsAreEmpty() {
        JibrilConfig c = ok("run-time:\ncadences:\nconfig:\n  event:\n  printer: []\n");
        assertEquals("info", c.logLevel());
        assertEquals(List.of(), c.events());
        assertEquals(List.of(), c.printers());
        assertEquals(6, c.plugins().size());
    }

    @Test
    void aFullFileIsRead() {
        JibrilConfig c = ok("""
                run-time:
                  log-level: WARNING
                  health: no
                  health-port: 0x2000
                  stdout: /var/log/jibril/events.json
                  stderr: /var/log/jibril/jibril.log
                cadences:
                  file-access: 1
                  network-peers: 3600
                caches:
                  tasks: 1
                  flow-ref: 65_536
                config:
                  extension: [jibril]
                  plugin:
                    - jibril:hold
                    - jibril:printers
                    - jibril:netpolicy:file=/etc/jibril/netpolicy.yaml:mode=enforce
                  printer:
                    - jibril:printers:webhook:url=https://siem.example.com:8443/in:token=abc
                  event:
                    - jibril:detect:file_example
                    - jibril:netpolicy:dropip
                """);
        assertEquals("warn", c.logLevel());
        assertFalse(c.health());
        assertEquals(8192, c.healthPort());
        assertEquals("/var/log/jibril/events.json", c.stdout());
        assertEquals(1, c.cadences().get("file-access"));
        assertEquals(3600, c.cadences().get("network-peers"));
        assertEquals(9, c.cadences().get("env-vars"));
        Map<String, Map<String, Object>> pids = Pids.of(c, FILE);
        assertEquals(1024, pids.get("jibril.caches").get("tasks"));
        assertEquals(65536 * 1024, pids.get("jibril.caches").get("flow.ref"));
        assertEquals(64 * 1024, pids.get("jibril.caches").get("rec.tasks"));
        assertEquals(props("file", "/etc/jibril/netpolicy.yaml", "mode", "enforce", "jibril.entry",
                "jibril:netpolicy:file=/etc/jibril/netpolicy.yaml:mode=enforce", "jibril.source", FILE),
                pids.get("jibril.plugin.netpolicy"));
        assertEquals(props("url", "https://siem.example.com:8443/in", "token", "abc", "jibril.entry",
                "jibril:printers:webhook:url=https://siem.example.com:8443/in:token=abc", "jibril.printer.name",
                "webhook", "jibril.source", FILE), pids.get("jibril.printer.webhook~webhook"));
        assertArrayEquals(new String[] { "jibril:detect:file_example", "jibril:netpolicy:dropip" },
                (Object[]) pids.get("jibril.events").get("enabled"));
        assertArrayEquals(new String[] { "jibril" }, (Object[]) pids.get("jibril.extensions").get("names"));
        assertEquals(List.of("jibril.runtime", "jibril.cadences", "jibril.caches", "jibril.extensions",
                "jibril.events", "jibril.plugin.hold", "jibril.plugin.printers", "jibril.plugin.netpolicy",
                "jibril.printer.webhook~webhook"), List.copyOf(pids.keySet()));
    }

    // ---- errors: each names file, line, column, field, what was found and what was expected

    @Test
    void outOfRangeNumber() {
        String yaml = """
                run-time:
                    log-level: info
                cadences:
                    file-access: 9
                caches:
                    rec-tasks: 64
                    tasks: 0
                """;
        assertEquals("/etc/jibril/config.yaml:7:12: caches.tasks: 0 is out of range (expected 1..65536)",
                onlyError(yaml));
        assertEquals(FILE + ":2:13: cadences.env-vars: 3601 is out of range (expected 1..3600)",
                onlyError("cadences:\n  env-vars: 3601\n"));
        assertEquals(FILE + ":2:16: run-time.health-port: 65536 is out of range (expected 1..65535)",
                onlyError("run-time:\n  health-port: 65536\n"));
        assertEquals(FILE + ":2:9: caches.cmds: 99999999999999999999 is out of range (expected 1..65536)",
                onlyError("caches:\n  cmds: 99999999999999999999\n"));
        assertEquals(FILE + ":2:9: caches.cmds: -1 is out of range (expected 1..65536)",
                onlyError("caches:\n  cmds: -1\n"));
    }

    @Test
    void wrongTypes() {
        assertEquals(FILE + ":2:10: caches.tasks: found a string \"many\", expected a whole number 1..65536",
                onlyError("caches:\n  tasks: many\n"));
        assertEquals(FILE + ":2:10: caches.tasks: found a string \"64\", expected a whole number 1..65536",
                onlyError("caches:\n  tasks: \"64\"\n"));
        assertEquals(FILE + ":2:16: cadences.file-access: found a number 1.5, expected a whole number 1..3600",
                onlyError("cadences:\n  file-access: 1.5\n"));
        assertEquals(FILE + ":3:5: config.plugin: found a mapping, expected a list of extension:plugin[:key=value...]"
                + " entries", onlyError("config:\n  plugin:\n    jibril: hold\n"));
        assertEquals(FILE + ":2:10: config.event: found a string \"jibril:core:exec\", expected a list of"
                + " extension:plugin:event entries", onlyError("config:\n  event: jibril:core:exec\n"));
        assertEquals(FILE + ":2:3: caches: found a list, expected a mapping", onlyError("caches:\n  - tasks\n"));
        assertEquals(FILE + ":2:11: run-time.health: found a string \"enabled\", expected true or false",
                onlyError("run-time:\n  health: enabled\n"));
        assertEquals(FILE + ":2:11: run-time.stdout: found a number 5, expected stdout or a file path",
                onlyError("run-time:\n  stdout: 5\n"));
        assertEquals(FILE + ":2:10: run-time.stdout: found no value, expected stdout or a file path",
                onlyError("run-time:\n  stdout:\n"));
        assertEquals(FILE + ":4:7: config.plugin[1]: found a number 42, expected a string"
                + " extension:plugin[:key=value...]", onlyError("config:\n  plugin:\n    - jibril:hold\n    - 42\n"));
        assertEquals(FILE + ":1:1: found a list, expected a mapping of sections (run-time, cadences, caches, config, printers)",
                onlyError("- run-time\n"));
        assertEquals(FILE + ":1:1: found a string \"hello\", expected a mapping of sections (run-time, cadences,"
                + " caches, config, printers)", onlyError("hello\n"));
    }

    @Test
    void unknownLogLevel() {
        assertEquals(FILE + ":2:14: run-time.log-level: \"verbose\" is not a log level (expected one of quiet, fatal,"
                + " error, warn, info, debug)", onlyError("run-time:\n  log-level: verbose\n"));
        assertEquals(FILE + ":2:14: run-time.log-level: found a boolean off, expected a log level (quiet, fatal,"
                + " error, warn, info, debug)", onlyError("run-time:\n  log-level: off\n"));
        for (String level : List.of("quiet", "fatal", "error", "warn", "info", "debug", "Debug")) {
            assertEquals(level.toLowerCase(), ok("run-time:\n  log-level: " + level + "\n").logLevel());
        }
    }

    @Test
    void unknownKeys() {
        assertEquals(FILE + ":3:3: run-time.colour: unknown key (expected one of log-level, health, health-port,"
                + " stdout, stderr)", onlyError("run-time:\n  log-level: info\n  colour: blue\n"));
        assertEquals(FILE + ":1:1: runtime: unknown key (expected one of run-time, cadences, caches, config, printers)",
                onlyError("runtime:\n  log-level: info\n"));
        assertEquals(FILE + ":2:3: caches.processes: unknown key (expected one of rec-tasks, tasks, cmds, args,"
                + " files, dirs, bases, task-file, file-task, task-ref, flows, task-flow, flow-task, flow-ref)",
                onlyError("caches:\n  processes: 4\n"));
        assertEquals(FILE + ":2:3: cadences.dns: unknown key (expected one of file-access, network-peers,"
                + " network-flows, env-vars)", onlyError("cadences:\n  dns: 4\n"));
        assertEquals(FILE + ":2:3: config.printers: unknown key (expected one of extension, plugin, printer, event)",
                onlyError("config:\n  printers: []\n"));
        // an ignored key is only ignored where the original had it
        assertEquals(FILE + ":2:3: caches.profiler: unknown key (expected one of rec-tasks, tasks, cmds, args,"
                + " files, dirs, bases, task-file, file-task, task-ref, flows, task-flow, flow-task, flow-ref)",
                onlyError("caches:\n  profiler: false\n"));
    }

    @Test
    void duplicateKeys() {
        assertEquals(FILE + ":3:3: caches.tasks: the key is given twice (first at line 2)",
                onlyError("caches:\n  tasks: 4\n  tasks: 5\n"));
    }

    @Test
    void malformedYaml() {
        String e = onlyError("run-time:\n  log-level: info\n    health: true\n");
        assertTrue(e.startsWith(FILE + ":3:11: YAML syntax error: mapping values are not allowed here"), e);
        e = onlyError("config:\n  plugin: [jibril:hold\n");
        assertTrue(e.startsWith(FILE + ":3:1: YAML syntax error: "), e);
        assertTrue(e.contains("line 2"), e);
        e = onlyError("run-time:\n\tlog-level: info\n");
        assertTrue(e.startsWith(FILE + ":2:1: YAML syntax error: "), e);
        e = onlyError("run-time: {}\n---\ncaches: {}\n");
        assertTrue(e.startsWith(FILE + ":2:1: YAML syntax error: but found another document (expected a single"
                + " document in the stream at line 1, column 1)"), e);
    }

    @Test
    void unsafeOrExoticYamlIsRefused() {
        String e = onlyError("run-time:\n  stdout: !!javax.script.ScriptEngineManager [x]\n");
        assertTrue(e.startsWith(FILE + ":2:11: YAML syntax error: Global tag is not allowed"), e);
        assertEquals(FILE + ":2:11: run-time.stdout: found a value tagged !local, only plain YAML values are accepted",
                onlyError("run-time:\n  stdout: !local x\n"));
        assertEquals(List.of(FILE + ":1:1: base: unknown key (expected one of run-time, cadences, caches, config, printers)",
                FILE + ":3:3: run-time: merge keys (<<) are not supported"),
                errors("base: &b {log-level: info}\nrun-time:\n  <<: *b\n"));
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p).append(", *")
                    .append(p).append(", *").append(p).append(", *").append(p).append(", *").append(p).append("]\n");
        }
        List<String> errors = errors(bomb.toString());
        assertTrue(errors.get(0).startsWith(FILE + ":"), errors.toString());
        assertTrue(errors.get(0).contains("aliases"), errors.toString());
        errors = errors("x".repeat(ConfigParser.MAX_CHARS + 1));
        assertEquals(List.of(FILE + ": the file has 1048577 characters, more than the limit of 1048576"), errors);
    }

    @Test
    void malformedEntries() {
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril\" is malformed, expected extension:plugin[:key=value...]",
                onlyError("config:\n  plugin:\n    - jibril\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril::x\" has an empty part, expected"
                + " extension:plugin[:key=value...]", onlyError("config:\n  plugin:\n    - jibril::x\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:netpolicy:file\": option \"file\" is not key=value,"
                + " expected extension:plugin[:key=value...]", onlyError("config:\n  plugin:\n    - jibril:netpolicy:file\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:netpolicy:file=/a:oops\": option \"oops\" is not"
                + " key=value, expected extension:plugin[:key=value...]",
                onlyError("config:\n  plugin:\n    - jibril:netpolicy:file=/a:oops\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:netpolicy:\" has an empty part, expected"
                + " extension:plugin[:key=value...]", onlyError("config:\n  plugin:\n    - \"jibril:netpolicy:\"\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:netpolicy:=x\": option key \"\" must be letters,"
                + " digits, '_', '.' or '-', expected extension:plugin[:key=value...]",
                onlyError("config:\n  plugin:\n    - jibril:netpolicy:=x\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:net policy\": \"net policy\" may hold only letters,"
                + " digits, '_' and '-', expected extension:plugin[:key=value...]",
                onlyError("config:\n  plugin:\n    - jibril:net policy\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:x:jibril.source=y\": option key \"jibril.source\" is"
                + " reserved (jibril.*, service.*, component.* and felix.* belong to the framework)",
                onlyError("config:\n  plugin:\n    - jibril:x:jibril.source=y\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: \"jibril:x:a=1:a=2\": option \"a\" is given twice",
                onlyError("config:\n  plugin:\n    - jibril:x:a=1:a=2\n"));
        assertEquals(FILE + ":3:7: config.printer[0]: \"jibril:stdout\" is malformed, expected"
                + " extension:plugin:printer[:key=value...]", onlyError("config:\n  printer:\n    - jibril:stdout\n"));
        assertEquals(FILE + ":3:7: config.event[0]: \"jibril:detect\" is malformed, expected extension:plugin:event",
                onlyError("config:\n  event:\n    - jibril:detect\n"));
        assertEquals(FILE + ":3:7: config.event[0]: \"jibril:detect:x:y=1\" has 4 parts, expected"
                + " extension:plugin:event", onlyError("config:\n  event:\n    - jibril:detect:x:y=1\n"));
        assertEquals(FILE + ":2:23: config.extension[1]: \"a:b\" has 2 parts, expected extension",
                onlyError("config:\n  extension: [jibril, \"a:b\"]\n"));
        assertEquals(FILE + ":3:7: config.plugin[0]: the entry is empty, expected extension:plugin[:key=value...]",
                onlyError("config:\n  plugin:\n    - \"  \"\n"));
    }

    @Test
    void thePrintersSectionGivesOptionsToThePrintersOfThatName() {
        JibrilConfig c = ok("""
                config:
                  plugin: [jibril:printers]
                  printer:
                    - jibril:printers:http:gzip=true
                    - jibril:printers:stdout
                printers:
                  http:
                    url: https://siem.example.com:8443/in
                    batch-size: 500
                    token-file: /etc/jibril/siem.token
                """);
        Entry http = c.printers().get(0);
        assertEquals(Map.of("gzip", "true", "url", "https://siem.example.com:8443/in", "batch-size", "500",
                "token-file", "/etc/jibril/siem.token"), http.options());
        assertEquals("jibril:printers:http:gzip=true", http.text());
        assertEquals(Map.of(), c.printers().get(1).options());
        Map<String, Object> props = Pids.of(c, FILE).get("jibril.printer.http~http");
        assertEquals("https://siem.example.com:8443/in", props.get("url"));
        assertEquals("500", props.get("batch-size"));
    }

    @Test
    void printerInstancesOfOneKindRunSideBySide() {
        JibrilConfig c = ok("""
                config:
                  plugin: [jibril:printers]
                  printer:
                    - jibril:printers:siem
                    - jibril:printers:archive:type=http:url=https://b.example.com/in
                    - jibril:printers:http:url=https://c.example.com/in
                printers:
                  siem:
                    type: http
                    url: https://a.example.com/in
                """);
        Map<String, Map<String, Object>> pids = Pids.of(c, FILE);
        Map<String, Object> siem = pids.get("jibril.printer.http~siem");
        assertEquals("https://a.example.com/in", siem.get("url"));
        assertEquals("siem", siem.get("jibril.printer.name"));
        assertFalse(siem.containsKey("type"), "the type is the factory, not an option the printer sees");
        assertEquals("archive", pids.get("jibril.printer.http~archive").get("jibril.printer.name"));
        assertEquals("https://c.example.com/in", pids.get("jibril.printer.http~http").get("url"));
        assertEquals("http", pids.get("jibril.printer.http~http").get("jibril.printer.name"));

        assertEquals(FILE + ":6:11: printers.siem.type: \"not a kind\" is not a printer kind (letters, digits, '_' and"
                + " '-'; for example http, varlog, file)", onlyError("""
                config:
                  plugin: [jibril:printers]
                  printer: [jibril:printers:siem]
                printers:
                  siem:
                    type: not a kind
                """));
    }

    @Test
    void thePrintersSectionIsValidatedWithLineAndField() {
        assertEquals(FILE + ":7:11: printers.http.gzip: option \"gzip\" is also given in"
                + " \"jibril:printers:http:gzip=true\" (at line 4); give it in one place", onlyError("""
                config:
                  plugin: [jibril:printers]
                  printer:
                    - jibril:printers:http:gzip=true
                printers:
                  http:
                    gzip: false
                """));
        assertEquals(FILE + ":3:10: printers.http.url: found a list, expected a value (text, number or true/false)",
                onlyError("printers:\n  http:\n    url: [a, b]\n"));
        assertEquals(FILE + ":3:5: printers.http.jibril.entry: option key \"jibril.entry\" is reserved (jibril.*,"
                + " service.*, component.* and felix.* belong to the framework)",
                onlyError("printers:\n  http:\n    jibril.entry: x\n"));
        assertEquals(FILE + ":2:9: printers.http: found a string \"x\", expected a mapping",
                onlyError("printers:\n  http: x\n"));
        ConfigParser.Result r = parse("config:\n  plugin: [jibril:printers]\nprinters:\n  varlog:\n    keep: 3\n");
        assertTrue(r.ok(), () -> r.errors().toString());
        assertEquals(List.of(FILE + ":4:3: printers.varlog: no config.printer entry names the printer \"varlog\", so"
                + " these options have no effect"), r.warnings().stream().map(Problem::toString).toList());
    }

    @Test
    void aPluginConfiguredTwiceDifferentlyIsAnErrorAndARepeatAWarning() {
        assertEquals(FILE + ":4:7: config.plugin[1]: \"jibril:netpolicy:file=/b\" configures jibril.plugin.netpolicy"
                + " again (first as \"jibril:netpolicy:file=/a\" at line 3); list each plugin once",
                onlyError("config:\n  plugin:\n    - jibril:netpolicy:file=/a\n    - jibril:netpolicy:file=/b\n"));
        ConfigParser.Result r = parse("config:\n  plugin:\n    - jibril:hold\n    - jibril:hold\n");
        assertTrue(r.ok());
        assertEquals(List.of(FILE + ":4:7: config.plugin[1]: \"jibril:hold\" is listed twice (first at line 3); the"
                + " repeat is ignored", FILE + ": config.printer (default): \"jibril:printers:stdout\": plugin"
                + " \"jibril:printers\" is not listed in config.plugin, so this printer may never run"),
                r.warnings().stream().map(Problem::toString).toList());
        assertEquals(1, r.config().plugins().size());
    }

    @Test
    void everyErrorIsReportedNotJustTheFirst() {
        List<String> e = errors("""
                run-time:
                  log-level: loud
                  health-port: 0
                caches:
                  tasks: x
                config:
                  plugin: [jibril]
                """);
        assertEquals(4, e.size(), e.toString());
        assertTrue(e.get(0).startsWith(FILE + ":2:14: run-time.log-level:"));
        assertTrue(e.get(1).startsWith(FILE + ":3:16: run-time.health-port:"));
        assertTrue(e.get(2).startsWith(FILE + ":5:10: caches.tasks:"));
        assertTrue(e.get(3).startsWith(FILE + ":7:12: config.plugin[0]:"));
    }

    // ---- warnings

    @Test
    void ignoredOriginalKeysGiveWarningsNamingKeyAndLine() {
        ConfigParser.Result r = parse("""
                run-time:
                  log-level: info
                  profiler: false
                  cardinal: true
                  daemon: true
                  notify: false
                  chop-lines: false
                  no-health: false
                chop-lines: true
                """);
        assertTrue(r.ok(), r.errors()::toString);
        List<String> w = r.warnings().stream().map(Problem::toString).toList();
        assertEquals(7, w.size(), w::toString);
        assertEquals(FILE + ":3:3: run-time.profiler: ignored: a key of the original Jibril that this version does"
                + " not use (this version has no built-in profiler)", w.get(0));
        assertTrue(w.get(1).startsWith(FILE + ":4:3: run-time.cardinal: ignored"), w.get(1));
        assertTrue(w.get(5).startsWith(FILE + ":8:3: run-time.no-health: ignored"), w.get(5));
        assertTrue(w.get(5).contains("run-time.health: false"), w.get(5));
        assertTrue(w.get(6).startsWith(FILE + ":9:1: chop-lines: ignored"), w.get(6));
        assertEquals(List.copyOf(Schema.IGNORED_KEYS.keySet()),
                List.of("profiler", "cardinal", "daemon", "notify", "chop-lines", "no-health"));
    }

    @Test
    void crossReferenceWarnings() {
        ConfigParser.Result r = parse("""
                config:
                  extension: [jibril]
                  plugin: [jibril:hold, acme:sink]
                  printer: [acme:kafka:topic]
                """);
        assertTrue(r.ok(), r.errors()::toString);
        assertEquals(List.of(
                FILE + ":3:25: config.plugin[1]: \"acme:sink\": extension \"acme\" is not listed in config.extension",
                FILE + ":4:13: config.printer[0]: \"acme:kafka:topic\": plugin \"acme:kafka\" is not listed in"
                        + " config.plugin, so this printer may never run"),
                r.warnings().stream().map(Problem::toString).toList());
        assertEquals("acme.printer.topic~topic", r.config().printers().get(0).pid());
    }

    // ---- overrides from framework properties

    @Test
    void overridesWinOverTheFile() {
        Map<String, String> fw = Map.of(
                "jibril.log-level", "debug",
                "jibril.stdout", "/tmp/events.json",
                "jibril.stderr", "/tmp/jibril.log",
                "jibril.plugins", "jibril:netpolicy:file=/etc/np.yaml, jibril:hold\njibril:detect:mode=x",
                "jibril.printers", "jibril:printers:varlog",
                "jibril.events", "jibril:detect:file_example,jibril:core:exec");
        Overrides o = Overrides.from(fw::get);
        ConfigParser.Result r = ConfigParser.parse(FILE, """
                run-time:
                  log-level: error
                  stdout: stdout
                config:
                  plugin: [jibril:hold, jibril:detect, jibril:printers]
                  event: [jibril:core:exec]
                """, o);
        assertTrue(r.ok(), r.errors()::toString);
        assertEquals(List.of(), r.warnings());
        JibrilConfig c = r.config();
        assertEquals("debug", c.logLevel());
        assertEquals("/tmp/events.json", c.stdout());
        assertEquals("/tmp/jibril.log", c.stderr());
        assertEquals(List.of("jibril:hold", "jibril:detect:mode=x", "jibril:printers",
                "jibril:netpolicy:file=/etc/np.yaml"), c.plugins().stream().map(Entry::text).toList());
        assertEquals(List.of("jibril:printers:stdout", "jibril:printers:varlog"),
                c.printers().stream().map(Entry::text).toList());
        assertEquals(List.of("jibril:core:exec", "jibril:detect:file_example"), c.events());
        Map<String, Map<String, Object>> pids = Pids.of(c, FILE);
        assertEquals("debug", pids.get("jibril.runtime").get("log.level"));
        assertEquals("x", pids.get("jibril.plugin.detect").get("mode"));
        assertEquals("/etc/np.yaml", pids.get("jibril.plugin.netpolicy").get("file"));
    }

    @Test
    void badOverridesAreErrorsNamingTheProperty() {
        Overrides o = Overrides.from(Map.of("jibril.log-level", "loud", "jibril.plugins", "jibril,jibril:ok",
                "jibril.events", "x:y")::get);
        ConfigParser.Result r = ConfigParser.parse(FILE, "", o);
        assertEquals(List.of(
                "framework property jibril.log-level: run-time.log-level: \"loud\" is not a log level (expected one"
                        + " of quiet, fatal, error, warn, info, debug)",
                "framework property jibril.plugins: config.plugin: \"jibril\" is malformed, expected"
                        + " extension:plugin[:key=value...]",
                "framework property jibril.events: config.event: \"x:y\" is malformed, expected"
                        + " extension:plugin:event"),
                r.errors().stream().map(Problem::toString).toList());
    }

    @Test
    void overrideListsSplitOnCommasAndNewlines() {
        assertEquals(List.of("a:b", "c:d", "e:f"), Overrides.split(" a:b ,\n c:d\r\n,, e:f\n"));
        assertEquals(List.of(), Overrides.split(null));
        assertTrue(Overrides.from(k -> null).isEmpty());
    }

    // ---- scalars

    @Test
    void yaml11Integers() {
        assertEquals(26, ConfigParser.parseInt("0x1A").intValue());
        assertEquals(8, ConfigParser.parseInt("010").intValue());
        assertEquals(5, ConfigParser.parseInt("0b101").intValue());
        assertEquals(3600, ConfigParser.parseInt("1:00:00").intValue());
        assertEquals(-7, ConfigParser.parseInt("-7").intValue());
        assertEquals(1000, ConfigParser.parseInt("+1_000").intValue());
        assertEquals(0, ConfigParser.parseInt("0").intValue());
        assertNull(ConfigParser.parseInt("0x"));
        JibrilConfig c = ok("cadences:\n  env-vars: 1:00\n");
        assertEquals(60, c.cadences().get("env-vars"));
    }

    @Test
    void problemFormatting() {
        assertEquals("f:1:2: a.b: m", Problem.error("f", 1, 2, "a.b", "m").toString());
        assertEquals("f:1: m", Problem.error("f", 1, 0, "", "m").toString());
        assertEquals("f: a: m", Problem.warning("f", 0, 0, "a", "m").toString());
    }

    @Test
    void resultListsAreIndependentCopies() {
        List<Problem> errors = new ArrayList<>();
        ConfigParser.Result r = new ConfigParser.Result(null, errors, List.of());
        errors.add(Problem.error("f", 1, 1, "", "x"));
        assertTrue(r.ok());
        assertNotNull(r.warnings());
    }
}
