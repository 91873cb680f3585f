package jibril.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The /metrics text: parsed back with a strict reader of the Prometheus text format 0.0.4 (below), and the
 * numbers of a status report shaped like the daemon's found under their stable names.
 */
class MetricsTest {

    @Test
    void aFullReportParsesAndEveryFamilyHasHelpAndType() {
        Map<String, Family> families = parse(Metrics.prometheus(report()));
        assertTrue(families.size() > 30, families.keySet().toString());
        for (Family f : families.values()) {
            assertTrue(f.help != null && !f.help.isBlank(), f.name + " has no HELP");
            assertTrue(f.type != null, f.name + " has no TYPE");
            if (f.type.equals("counter")) {
                assertTrue(f.name.endsWith("_total"), "counter " + f.name + " does not end in _total");
                f.samples.values().forEach(v -> assertTrue(v >= 0, f.name + " is negative"));
            } else {
                assertFalse(f.name.endsWith("_total"), "gauge " + f.name + " ends in _total");
            }
        }
    }

    @Test
    void statusNumbersHaveStableNamesAndLabels() {
        Map<String, Family> f = parse(Metrics.prometheus(report()));
        assertEquals(1.0, value(f, "jibril_ready", ""));
        assertEquals(42.0, value(f, "jibril_uptime_seconds", ""));
        assertEquals(21.0, value(f, "jibril_bundles", "state=active"));
        assertEquals(1.0, value(f, "jibril_bundles", "state=not_active"));
        // kernel: events, facts, lost notices, full maps
        assertEquals(29.0, value(f, "jibril_kernel_events_total", "kind=exec"));
        assertEquals(8556.0, value(f, "jibril_kernel_events_total", "kind=file_action"));
        assertEquals(1070.0, value(f, "jibril_kernel_facts_total", "kind=file_pair"));
        assertEquals(6.0, value(f, "jibril_kernel_facts_total", "kind=flow"));
        assertEquals(7.0, value(f, "jibril_notices_lost_total", ""));
        assertEquals(3.0, value(f, "jibril_map_full_total", "map=tasks"));
        assertEquals(0.0, value(f, "jibril_map_full_total", "map=task_flow"));
        assertEquals(1.0, value(f, "jibril_kernel_truncated_total", "what=args"));
        assertEquals(8.0, value(f, "jibril_kernel_unattributed_total", "reason=file_no_fd"));
        // map fill: hash maps only, entries when counted
        assertEquals(65536.0, value(f, "jibril_map_capacity", "map=tasks"));
        assertEquals(16384.0, value(f, "jibril_map_entries", "map=tasks"));
        assertEquals(0.25, value(f, "jibril_map_fill_ratio", "map=tasks"));
        assertNull(f.get("jibril_map_capacity").samples.get("map=notices"), "a ring buffer does not fill");
        assertNull(f.get("jibril_map_entries").samples.get("map=files"), "files was not counted yet");
        assertEquals(0.025, value(f, "jibril_map_count_seconds", ""));
        assertEquals(1.0, value(f, "jibril_ebpf_attached", ""));
        assertEquals(2.0, value(f, "jibril_ebpf_programs", ""));
        // data layer
        assertEquals(17.0, value(f, "jibril_facts_total", "kind=execution"));
        assertEquals(5.0, value(f, "jibril_facts_total", "kind=file"));
        assertEquals(11.0, value(f, "jibril_facts_found_by_sweep_total", "kind=execution"));
        assertEquals(2.0, value(f, "jibril_facts_missed_total", "kind=flow"));
        assertEquals(2424.0, value(f, "jibril_notices_read_total", ""));
        assertEquals(0.735, value(f, "jibril_sweep_lag_seconds", "area=tasks"));
        assertNull(f.get("jibril_sweep_lag_seconds").samples.get("area=network"), "never swept: no sample");
        // events, detection, printers
        assertEquals(27.0, value(f, "jibril_events_total", "kind=exec"));
        assertEquals(4.0, value(f, "jibril_events_total", "kind=detection"));
        assertEquals(1.0, value(f, "jibril_events_unpublished_total", "kind=detection"));
        assertEquals(60.0, value(f, "jibril_recipes", "state=active"));
        assertEquals(3.0, value(f, "jibril_recipes", "state=disabled"));
        assertEquals(2.0, value(f, "jibril_detect_queue_depth", ""));
        assertEquals(27.0, value(f, "jibril_printer_events_total", "outcome=printed,printer=stdout"));
        assertEquals(5.0, value(f, "jibril_printer_events_total", "outcome=dropped,printer=stdout"));
        assertEquals(9.0, value(f, "jibril_printer_queue_depth", "printer=stdout"));
        assertEquals(68.0, value(f, "jibril_procfs_processes", "result=seeded"));
        assertEquals(1.0, value(f, "jibril_config_ok", ""));
        assertEquals(1.0, value(f, "jibril_config_warnings", ""));
        // not published by any part yet: no family at all
        for (String missing : List.of("jibril_detections_total", "jibril_reactions_total",
                "jibril_printer_spool_bytes", "jibril_printer_spool_lost_total")) {
            assertNull(f.get(missing), missing);
        }
        // internal positions are not metrics
        assertTrue(f.keySet().stream().noneMatch(n -> n.contains("cursor")), f.keySet().toString());
    }

    @Test
    void numbersWithoutAStableNameAreExportedUnderTheirPath() {
        Map<String, Object> status = report();
        status.put("thirdparty", m("widgets", 5, "nested", m("ok", true, "label", "text")));
        asMap(status.get("data")).put("new_counter", 12L);
        Map<String, Family> f = parse(Metrics.prometheus(status));
        assertEquals(5.0, value(f, "jibril_status_thirdparty_widgets", ""));
        assertEquals(1.0, value(f, "jibril_status_thirdparty_nested_ok", ""));
        assertEquals(12.0, value(f, "jibril_status_data_new_counter", ""));
        assertEquals("gauge", f.get("jibril_status_data_new_counter").type);
        assertTrue(f.get("jibril_status_data_new_counter").help.contains("data.new_counter"));
        // what has a stable name is not exported twice
        assertTrue(f.keySet().stream().noneMatch(n -> n.startsWith("jibril_status_ebpf_counters")),
                f.keySet().toString());
        assertTrue(f.keySet().stream().noneMatch(n -> n.startsWith("jibril_status_printers")), f.keySet().toString());
    }

    @Test
    void detectionsPerRecipeSpoolAndReactionsOnceTheirPartsPublishThem() {
        Map<String, Object> status = report();
        asMap(status.get("detect")).put("detections_per_recipe",
                m("credentials_files_access_high", 3L, "net_scan_tool_exec", 1L));
        asMap(asMap(status.get("printers")).get("stdout")).putAll(m("spool_events", 10L, "spool_bytes", 4096L,
                "spool_lost", 2L));
        status.put("reactions", m("run", 8L, "failed", 1L, "timed_out", 0L, "ok", 6L, "refused", 1L, "overflow", 5L,
                "queue_depth", 2L));
        Map<String, Family> f = parse(Metrics.prometheus(status));
        assertEquals(3.0, value(f, "jibril_detections_total", "recipe=credentials_files_access_high"));
        assertEquals(1.0, value(f, "jibril_detections_total", "recipe=net_scan_tool_exec"));
        assertEquals(4096.0, value(f, "jibril_printer_spool_bytes", "printer=stdout"));
        assertEquals(2.0, value(f, "jibril_printer_spool_lost_total", "printer=stdout"));
        assertEquals(1.0, value(f, "jibril_reactions_total", "outcome=failed"));
        assertEquals(6.0, value(f, "jibril_reactions_total", "outcome=ok"));
        assertEquals(5.0, value(f, "jibril_reactions_shed_total", ""));
        assertEquals(2.0, value(f, "jibril_reactions_queue_depth", ""));
    }

    @Test
    void theAttenuatorsFiguresHaveStableNames() {
        Map<String, Object> status = report();
        status.put("attenuator", m("state", "enabled", "options", m("enabled", true, "token", "set", "budget.ms", 10000L,
                "temperature", 0.2), "detections", 20L, "attenuated", 12L, "false_positives", 5L, "withheld", 3L,
                "withheld_write_errors", 0L, "requests", 9L, "retries", 2L, "cache_hits", 4L, "coalesced", 1L,
                "cache_size", 7, "in_flight", 1, "queued", 0, "unattenuated", 8L,
                "unattenuated_by_cause", m("timeout", 6L, "rate_limited", 2L),
                "breaker", m("state", "open", "opened", 1L), "last_error", "timeout: no verdict"));
        Map<String, Family> f = parse(Metrics.prometheus(status));
        assertEquals(1.0, value(f, "jibril_attenuator_enabled", ""));
        assertEquals(10.0, value(f, "jibril_attenuator_budget_seconds", ""));
        assertEquals(20.0, value(f, "jibril_attenuator_detections_total", ""));
        assertEquals(5.0, value(f, "jibril_attenuator_verdicts_total", "false_positive=true"));
        assertEquals(7.0, value(f, "jibril_attenuator_verdicts_total", "false_positive=false"));
        assertEquals(3.0, value(f, "jibril_attenuator_withheld_total", ""));
        assertEquals(6.0, value(f, "jibril_attenuator_unattenuated_total", "cause=timeout"));
        assertEquals(2.0, value(f, "jibril_attenuator_unattenuated_total", "cause=rate_limited"));
        assertEquals(9.0, value(f, "jibril_attenuator_requests_total", ""));
        assertEquals(4.0, value(f, "jibril_attenuator_shared_verdicts_total", "how=cached"));
        assertEquals(1.0, value(f, "jibril_attenuator_breaker_open", ""));
        assertEquals(1.0, value(f, "jibril_attenuator_breaker_opened_total", ""));
        assertTrue(f.keySet().stream().noneMatch(n -> n.startsWith("jibril_status_attenuator")), f.keySet().toString());

        status.put("attenuator", m("state", "disabled", "options", m("enabled", false, "budget.ms", 10000L)));
        f = parse(Metrics.prometheus(status));
        assertEquals(0.0, value(f, "jibril_attenuator_enabled", ""));
        assertTrue(f.keySet().stream().noneMatch(n -> n.startsWith("jibril_status_attenuator")), f.keySet().toString());
    }

    @Test
    void labelValuesAreEscaped() {
        Map<String, Object> status = m("printers", m("we\"ird\\na\nme", m("printed", 1L)));
        String text = Metrics.prometheus(status);
        assertTrue(text.contains("printer=\"we\\\"ird\\\\na\\nme\""), text);
        assertEquals(1.0, value(parse(text), "jibril_printer_events_total",
                "outcome=printed,printer=we\"ird\\na\nme"));
    }

    @Test
    void anEmptyReportIsAValidEmptyExposition() {
        assertEquals("", Metrics.prometheus(new LinkedHashMap<>()));
        assertTrue(parse(Metrics.prometheus(m("ready", false))).containsKey("jibril_ready"));
    }

    @Test
    void theReaderRejectsWhatPrometheusRejects() {
        assertThrows(AssertionError.class, () -> parse("x 1\n"), "no TYPE");
        assertThrows(AssertionError.class, () -> parse("# HELP x h\n# TYPE x gauge\nx 1\nx 2\n"), "duplicate");
        assertThrows(AssertionError.class, () -> parse("# HELP x h\n# TYPE x gauge\nx{a=\"1} 1\n"), "label");
        assertThrows(AssertionError.class, () -> parse("# HELP x h\n# TYPE x gauge\nx one\n"), "value");
        assertThrows(AssertionError.class, () -> parse("# HELP x h\n# TYPE x gauge\nx 1\n# HELP y h\n"
                + "# TYPE y gauge\ny 1\nx{a=\"b\"} 1\n"), "interleaved");
    }

    // ---- a report shaped like the daemon's (values from a real run) ----

    private static Map<String, Object> report() {
        Map<String, Object> s = m("ready", true, "uptime_s", 42L,
                "bundles", m("total", 22, "active", 21, "not_active", List.of("x INSTALLED")));
        s.put("config", m("file", "/etc/jibril/config.yaml", "state", "ok", "errors", List.of(), "warnings",
                List.of("w"), "poll.ms", 1000L));
        s.put("data", m("notices_seen", 2424L, "notices_dropped_in_userland", 0L, "executions", 17L,
                "executions_found_by_sweep", 11L, "executions_missed", 0L, "tasks_reclaimed", 0L, "sweeps", 1L,
                "tasks_sweep_lag_ms", 735L, "listeners", 1, "file_observers", false, "flow_observers", false,
                "listener_errors", 0L, "exec_cursor", 17L,
                "files", m("file_pairs_reported", 5L, "file_pairs_found_by_sweep", 0L, "file_pairs_missed", 0L,
                        "file_cursor", 1824L),
                "files_sweep_lag_ms", 764L,
                "network", m("flow_pairs_reported", 3L, "flow_pairs_found_by_sweep", 0L, "flow_pairs_missed", 2L,
                        "flow_cursor", 0L, "dns_answers_parsed", 0L, "dns_answers_unparsable", 0L,
                        "domains_known", 0),
                "network_sweep_lag_ms", -1L));
        s.put("detect", m("recipes_active", 60, "recipes_loaded", 63, "recipes_waiting_for_type", 0,
                "recipes_errored", 0, "files_refused", 0L, "file_loads", 3L, "observations", 1200L,
                "observations_dropped", 0L, "observations_waited_for_engine", 0L, "queue", 2,
                "detections", 4L, "detections_without_printer", 1L, "types", List.of("file_access")));
        Map<String, Object> counters = new LinkedHashMap<>();
        String[] names = { "notice_lost", "tasks_full", "strings_full", "path_truncated", "args_truncated",
                "execs", "forks", "exits", "files_full", "task_file_full", "file_pending_full", "file_no_fd",
                "file_bad_name", "fcache_hit", "fcache_miss", "file_pairs", "file_bits", "file_actions",
                "flows_full", "task_flows_full", "dns_full", "dns_truncated", "net_unparsed", "net_no_peer",
                "mmsg_truncated", "net_calls_full", "flows", "packets", "dns_answers" };
        long[] values = { 7, 3, 0, 0, 1, 29, 35, 38, 0, 0, 0, 8, 0, 8354, 1390, 1070, 2101, 8556, 0, 0, 0, 0, 0,
                0, 0, 0, 6, 58, 0 };
        for (int i = 0; i < names.length; i++) {
            counters.put(names[i], values[i]);
        }
        s.put("ebpf", m("state", "attached", "pin_root", "/sys/fs/bpf/jibril", "start_to_attached_ms", 3096L,
                "programs", List.of(m("id", 1, "name", "jibril_exec"), m("id", 2, "name", "jibril_fork")),
                "maps", m("tasks", m("type", "HASH", "max_entries", 65536, "entries", 16384L),
                        "notices", m("type", "RINGBUF", "max_entries", 1048576),
                        "counters", m("type", "PERCPU_ARRAY", "max_entries", 64),
                        "files", m("type", "HASH", "max_entries", 65536),
                        "file_cache", m("type", "LRU_HASH", "max_entries", 16384, "entries", 16384L)),
                "map_entries_age_ms", 1200L, "map_entries_count_ms", 25L, "counters", counters));
        s.put("exec_events", m("enabled", true, "published", 27L, "without_publisher", 0L));
        s.put("printers", m("stdout", m("dropped", 5L, "failed", 0L, "printed", 27L, "queued", 9)));
        s.put("procfs", m("seeded", 68, "already_known", 5, "gone_while_reading", 5, "failed", 0,
                "errors", List.of(), "millis", 61L));
        return s;
    }

    private static Map<String, Object> m(Object... kv) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.put((String) kv[i], kv[i + 1]);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    private static double value(Map<String, Family> families, String name, String labels) {
        Family f = families.get(name);
        assertTrue(f != null, "no family " + name + " in " + families.keySet());
        Double v = f.samples.get(labels);
        assertTrue(v != null, "no sample " + name + "{" + labels + "} in " + f.samples.keySet());
        return v;
    }

    // ---- a strict reader of the text format: what the Prometheus server would refuse fails the test ----

    static final class Family {
        final String name;
        String help;
        String type;
        Set<String> labelNames;
        /** Samples by their labels, sorted, as name=value joined by commas (values unescaped). */
        final Map<String, Double> samples = new LinkedHashMap<>();

        Family(String name) {
            this.name = name;
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + n + ": " + line;
            if (line.startsWith("#")) {
                String[] p = line.split(" ", 4);
                if (p.length >= 3 && (p[1].equals("HELP") || p[1].equals("TYPE"))) {
                    assertTrue(NAME.matcher(p[2]).matches(), where);
                    String name = p[2];
                    if (!name.equals(current)) {
                        assertFalse(closed.contains(name), "family interleaved: " + where);
                        if (current != null) {
                            closed.add(current);
                        }
                        current = name;
                    }
                    Family f = families.computeIfAbsent(name, Family::new);
                    assertTrue(f.samples.isEmpty(), "HELP/TYPE after samples: " + where);
                    if (p[1].equals("HELP")) {
                        assertNull(f.help, "second HELP: " + where);
                        f.help = p.length > 3 ? p[3] : "";
                    } else {
                        assertNull(f.type, "second TYPE: " + where);
                        assertTrue(p.length == 4 && TYPES.contains(p[3]), where);
                        f.type = p[3];
                    }
                }
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            assertTrue(NAME.matcher(name).matches(), where);
            Family f = families.get(name);
            assertTrue(f != null && f.type != null, "sample without TYPE: " + where);
            assertEquals(current, name, "family interleaved: " + where);
            Map<String, String> labels = new TreeMap<>();
            String rest;
            if (brace >= 0 && brace < space) {
                int end = closingBrace(line, brace);
                assertTrue(end > 0, "unterminated labels: " + where);
                String body = line.substring(brace + 1, end);
                Matcher m = LABEL.matcher(body);
                int at = 0;
                while (at < body.length()) {
                    assertTrue(m.find(at) && m.start() == at, "bad label at " + at + ": " + where);
                    assertFalse(m.group(1).startsWith("__"), where);
                    assertNull(labels.put(m.group(1), unescape(m.group(2))), "label twice: " + where);
                    at = m.end();
                    if (at < body.length()) {
                        assertEquals(',', body.charAt(at), where);
                        at++;
                    }
                }
                rest = line.substring(end + 1);
            } else {
                rest = line.substring(space);
            }
            assertTrue(rest.startsWith(" "), where);
            String[] fields = rest.strip().split(" ");
            assertTrue(fields.length == 1 || fields.length == 2, where);
            double value = number(fields[0], where);
            if (f.labelNames == null) {
                f.labelNames = labels.keySet();
            }
            assertEquals(f.labelNames, labels.keySet(), "label names differ within the family: " + where);
            List<String> key = new ArrayList<>();
            labels.forEach((k, v) -> key.add(k + "=" + v));
            assertNull(f.samples.put(String.join(",", key), value), "duplicate series: " + where);
        }
        return families;
    }

    private static int closingBrace(String line, int open) {
        boolean quoted = false;
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                c = s.charAt(++i);
                out.append(c == 'n' ? '\n' : c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static double number(String s, String where) {
        switch (s) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                assertTrue(s.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"), "bad value: " + where);
                return Double.parseDouble(s);
        }
    }

    @Test
    void taintIsAGaugeAndItsRecordsACounter() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("ready", true);
        status.put("tainted", true);
        status.put("taint", new LinkedHashMap<>(Map.of("records_total", 2L, "records", List.of(Map.of("pid", 7)))));
        String text = Metrics.prometheus(status);
        assertTrue(text.contains("# TYPE jibril_tainted gauge\njibril_tainted 1\n"), text);
        assertTrue(text.contains("# TYPE jibril_taint_records_total counter\njibril_taint_records_total 2\n"), text);
        parse(text); // well-formed
    }
}
