package jibril.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The status report in the Prometheus text exposition format (version 0.0.4), with {@code # HELP} and
 * {@code # TYPE} for every family.
 *
 * <p>The numbers the parts publish in their {@link jibril.core.api.StatusSource} sections get stable names and
 * labels here (the list is in the README, "Metrics"): {@code jibril_kernel_events_total{kind}},
 * {@code jibril_facts_total{kind}}, {@code jibril_notices_lost_total}, {@code jibril_map_entries{map}},
 * {@code jibril_map_full_total{map}}, {@code jibril_events_total{kind}},
 * {@code jibril_printer_events_total{printer,outcome}}, {@code jibril_printer_queue_depth{printer}} and so on.
 * Every other number of the report (a key added later, a third party's section) is still exported, as a gauge
 * named after its path, {@code jibril_status_<section>_<key>…}, whose name follows the status keys and is not
 * promised to stay.
 *
 * <p>Some numbers the operators want are in no status yet, and appear here as soon as their part publishes them
 * under these keys: detections per recipe ({@code detect.detections_per_recipe}, a map of recipe name to count,
 * becomes {@code jibril_detections_total{recipe}}), a printer's spool ({@code spool_events}, {@code spool_bytes},
 * {@code spool_lost} in its map under {@code printers}) and reactions ({@code reactions.run},
 * {@code reactions.failed}, {@code reactions.timed_out}, {@code reactions.ok}, {@code reactions.refused},
 * {@code reactions.overflow}, {@code reactions.queue_depth}).
 */
final class Metrics {

    private Metrics() {
    }

    /** Kernel counters (the {@code counters} of the ebpf section) that count events, repeats included. */
    private static final Map<String, String> KERNEL_EVENTS = ordered("execs", "exec", "forks", "fork", "exits",
            "exit", "file_actions", "file_action", "packets", "packet", "dns_answers", "dns_answer");
    /** Kernel counters that count new facts: new map entries, new action bits. */
    private static final Map<String, String> KERNEL_FACTS = ordered("file_pairs", "file_pair", "file_bits",
            "file_action", "flows", "flow");
    /** Kernel counters of inserts refused because a map was full, and the map. */
    private static final Map<String, String> MAP_FULL = ordered("tasks_full", "tasks", "strings_full", "strings",
            "files_full", "files", "task_file_full", "task_file", "file_pending_full", "file_pending", "flows_full",
            "flows", "task_flows_full", "task_flow", "dns_full", "dns_answers", "net_calls_full", "net_calls");
    private static final Map<String, String> TRUNCATED = ordered("path_truncated", "path", "args_truncated",
            "args", "dns_truncated", "dns_answer", "mmsg_truncated", "mmsg");
    private static final Map<String, String> UNATTRIBUTED = ordered("file_no_fd", "file_no_fd", "file_bad_name",
            "file_bad_name", "net_unparsed", "net_unparsed", "net_no_peer", "net_no_peer");
    /** Map types that can fill up (arrays are full by construction, a ring buffer's size is in bytes). */
    private static final List<String> FILLABLE = List.of("HASH", "LRU_HASH", "PERCPU_HASH", "LRU_PERCPU_HASH",
            "LPM_TRIE");

    static String prometheus(Map<String, Object> status) {
        Map<String, Object> rest = copy(status);
        Exposition x = new Exposition();
        daemon(rest, x);
        taint(rest, x);
        ebpf(map(rest, "ebpf"), x);
        data(map(rest, "data"), x);
        events(rest, x);
        detect(map(rest, "detect"), x);
        printers(map(rest, "printers"), x);
        reactions(map(rest, "reactions"), x);
        attenuator(map(rest, "attenuator"), x);
        procfs(map(rest, "procfs"), x);
        config(map(rest, "config"), x);
        x.leftovers("jibril_status", rest);
        return x.text();
    }

    private static void daemon(Map<String, Object> s, Exposition x) {
        x.gauge("jibril_ready", "1 when the daemon is ready (GET /health/ready answers 200), else 0.")
                .add(take(s, "ready"));
        x.gauge("jibril_uptime_seconds", "Seconds since the core bundle started.").add(take(s, "uptime_s"));
        Map<String, Object> b = map(s, "bundles");
        Number total = take(b, "total");
        Number active = take(b, "active");
        if (total != null && active != null) {
            Exposition.Family f = x.gauge("jibril_bundles", "OSGi bundles installed, by state.");
            f.add(active, "state", "active");
            f.add(total.longValue() - active.longValue(), "state", "not_active");
        }
    }

    /** Tampering with the daemon's eBPF state (the taint guard): whether it happened, and its records. */
    private static void taint(Map<String, Object> s, Exposition x) {
        Object tainted = s.remove("tainted");
        if (tainted instanceof Boolean b) {
            x.gauge("jibril_tainted", "1 once another process wrote, deleted or detached Jibril's eBPF state, else 0.")
                    .add(b ? 1 : 0);
        }
        Map<String, Object> t = map(s, "taint");
        if (t != null) {
            x.counter("jibril_taint_records_total", "Tampering records (process, command, object) seen so far.")
                    .add(take(t, "records_total"));
            t.remove("records");
        }
    }

    private static void ebpf(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        if (s.get("state") instanceof String state) {
            x.gauge("jibril_ebpf_attached", "1 when the BPF programs are loaded and attached, else 0.")
                    .add(state.equals("attached") ? 1 : 0);
        }
        if (s.remove("programs") instanceof List<?> programs) {
            x.gauge("jibril_ebpf_programs", "BPF programs attached.").add(programs.size());
        }
        if (s.remove("not_loaded") instanceof Map<?, ?> failed) {
            x.gauge("jibril_ebpf_objects_not_loaded", "BPF program families that could not be loaded (see status).")
                    .add(failed.size());
        }
        Number ms = take(s, "start_to_attached_ms");
        if (ms != null) {
            x.gauge("jibril_ebpf_attach_seconds", "Seconds from the start of the core to programs attached.")
                    .add(ms.doubleValue() / 1000);
        }
        take(s, "map_entries_age_ms");
        x.gauge("jibril_map_count_seconds",
                "Seconds the last count of the BPF map entries took (one iterator pass; a batched walk before Linux 6.6).")
                .add(seconds(take(s, "map_entries_count_ms")));
        Map<String, Object> maps = map(s, "maps");
        if (maps != null) {
            Exposition.Family capacity = x.gauge("jibril_map_capacity",
                    "Entries a BPF map can hold (its max_entries, sized by the caches configuration).");
            Exposition.Family entries = x.gauge("jibril_map_entries",
                    "Entries in a BPF map, counted at most every 30 s while metrics or status are read.");
            Exposition.Family fill = x.gauge("jibril_map_fill_ratio", "Entries divided by capacity, 0 to 1.");
            for (Map.Entry<String, Object> e : maps.entrySet()) {
                Map<String, Object> m = asMap(e.getValue());
                if (m == null || !(m.get("type") instanceof String type) || !FILLABLE.contains(type)) {
                    continue;
                }
                Number max = take(m, "max_entries");
                Number n = take(m, "entries");
                capacity.add(max, "map", e.getKey());
                entries.add(n, "map", e.getKey());
                if (max != null && n != null && max.longValue() > 0) {
                    fill.add(n.doubleValue() / max.longValue(), "map", e.getKey());
                }
            }
            // Arrays and the ring buffer: nothing to fill.
            for (Object m : maps.values()) {
                if (m instanceof Map<?, ?> mm) {
                    mm.remove("max_entries");
                }
            }
        }
        Map<String, Object> c = map(s, "counters");
        if (c == null) {
            return;
        }
        x.counter("jibril_notices_lost_total", "Notices the kernel could not put in the full notice ring buffer; "
                + "the next sweep of the maps still finds those facts.").add(take(c, "notice_lost"));
        labelled(c, KERNEL_EVENTS, x.counter("jibril_kernel_events_total",
                "Events the BPF programs saw, by kind, repeats included."), "kind");
        labelled(c, KERNEL_FACTS, x.counter("jibril_kernel_facts_total",
                "New facts the BPF programs recorded: a process's first action on a file (file_pair), a new kind "
                        + "of action on a known pair (file_action), a new flow (flow)."), "kind");
        labelled(c, MAP_FULL, x.counter("jibril_map_full_total",
                "Inserts refused because the BPF map was full (the evictions of DESIGN.md): each one is a fact "
                        + "lost. Size the map with the caches configuration."), "map");
        labelled(c, TRUNCATED, x.counter("jibril_kernel_truncated_total",
                "Values the BPF programs kept only in part because they were longer than their buffer."), "what");
        labelled(c, UNATTRIBUTED, x.counter("jibril_kernel_unattributed_total",
                "Actions the BPF programs saw but could not attribute to a file or a peer, by reason."), "reason");
        Exposition.Family cache = x.counter("jibril_kernel_file_cache_total",
                "Lookups of a file's path key in the kernel's file_cache, by result.");
        cache.add(take(c, "fcache_hit"), "result", "hit");
        cache.add(take(c, "fcache_miss"), "result", "miss");
    }

    private static void data(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        Map<String, Object> files = map(s, "files");
        Map<String, Object> net = map(s, "network");
        Exposition.Family facts = x.counter("jibril_facts_total",
                "Facts the data layer read from the kernel maps and reported, by kind.");
        facts.add(take(s, "executions"), "kind", "execution");
        facts.add(take(files, "file_pairs_reported"), "kind", "file");
        facts.add(take(net, "flow_pairs_reported"), "kind", "flow");
        facts.add(take(net, "dns_answers_parsed"), "kind", "dns_answer");
        Exposition.Family swept = x.counter("jibril_facts_found_by_sweep_total",
                "Facts found by a cadence sweep rather than by their notice (the notice was lost or late), by kind.");
        swept.add(take(s, "executions_found_by_sweep"), "kind", "execution");
        swept.add(take(files, "file_pairs_found_by_sweep"), "kind", "file");
        swept.add(take(net, "flow_pairs_found_by_sweep"), "kind", "flow");
        Exposition.Family missed = x.counter("jibril_facts_missed_total",
                "Facts that left the kernel maps before the data layer could read them, by kind.");
        missed.add(take(s, "executions_missed"), "kind", "execution");
        missed.add(take(files, "file_pairs_missed"), "kind", "file");
        missed.add(take(net, "flow_pairs_missed"), "kind", "flow");
        x.counter("jibril_dns_answers_unparsable_total", "DNS answers recorded by the kernel that could not be parsed.")
                .add(take(net, "dns_answers_unparsable"));
        x.gauge("jibril_domains_known", "Domain names the data layer knows, with their addresses.")
                .add(take(net, "domains_known"));
        x.counter("jibril_notices_read_total", "Notices read from the notice ring buffer.")
                .add(take(s, "notices_seen"));
        x.counter("jibril_notices_dropped_total", "Notices read but dropped in userland (the sweep finds their facts).")
                .add(take(s, "notices_dropped_in_userland"));
        x.counter("jibril_tasks_reclaimed_total", "Exited processes removed from the tasks map to make room.")
                .add(take(s, "tasks_reclaimed"));
        x.counter("jibril_sweeps_total", "Cadence sweeps of the tasks map.").add(take(s, "sweeps"));
        Exposition.Family lag = x.gauge("jibril_sweep_lag_seconds", "Seconds since the last sweep of an area.");
        lag.add(seconds(take(s, "tasks_sweep_lag_ms")), "area", "tasks");
        lag.add(seconds(take(s, "files_sweep_lag_ms")), "area", "files");
        lag.add(seconds(take(s, "network_sweep_lag_ms")), "area", "network");
        x.gauge("jibril_observation_listeners", "Observation listeners registered (recipe engine and others).")
                .add(take(s, "listeners"));
        x.counter("jibril_observation_listener_errors_total", "Observations a listener failed on.")
                .add(take(s, "listener_errors"));
        // Positions in the kernel's sequences: meaningful only to the data layer.
        take(s, "exec_cursor");
        take(files, "file_cursor");
        take(net, "flow_cursor");
    }

    private static void events(Map<String, Object> rest, Exposition x) {
        Map<String, Object> exec = map(rest, "exec_events");
        Map<String, Object> detect = map(rest, "detect");
        Exposition.Family published = x.counter("jibril_events_total",
                "Events handed to the printers, by kind (exec: every execution when jibril:core:exec is on; "
                        + "detection: a recipe fired).");
        published.add(take(exec, "published"), "kind", "exec");
        published.add(take(detect, "detections"), "kind", "detection");
        Exposition.Family lost = x.counter("jibril_events_unpublished_total",
                "Events made while no printer service was there to take them, by kind.");
        lost.add(take(exec, "without_publisher"), "kind", "exec");
        lost.add(take(detect, "detections_without_printer"), "kind", "detection");
        x.gauge("jibril_exec_events_enabled", "1 when every execution is also an exec event.")
                .add(take(exec, "enabled"));
    }

    private static void detect(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        Map<String, Object> perRecipe = map(s, "detections_per_recipe");
        if (perRecipe != null) {
            Exposition.Family f = x.counter("jibril_detections_total", "Detections, by recipe.");
            for (String recipe : new ArrayList<>(perRecipe.keySet())) {
                f.add(take(perRecipe, recipe), "recipe", recipe);
            }
        }
        Number active = take(s, "recipes_active");
        Number loaded = take(s, "recipes_loaded");
        Exposition.Family recipes = x.gauge("jibril_recipes", "Recipes, by state (disabled: loaded, not enabled; "
                + "waiting: their recipe type is not registered; errored: refused).");
        recipes.add(active, "state", "active");
        if (active != null && loaded != null) {
            recipes.add(loaded.longValue() - active.longValue(), "state", "disabled");
        }
        recipes.add(take(s, "recipes_waiting_for_type"), "state", "waiting");
        recipes.add(take(s, "recipes_errored"), "state", "errored");
        x.gauge("jibril_recipe_files_refused", "Recipe files refused (the last good version of each stays).")
                .add(take(s, "files_refused"));
        x.counter("jibril_recipe_file_loads_total", "Recipe files loaded or reloaded.").add(take(s, "file_loads"));
        x.counter("jibril_detect_observations_total", "Observations the recipe engine took.")
                .add(take(s, "observations"));
        x.counter("jibril_detect_observations_dropped_total", "Observations the recipe engine could not take.")
                .add(take(s, "observations_dropped"));
        x.counter("jibril_detect_backpressure_total",
                "Times the data layer waited for the recipe engine's queue instead of dropping an observation.")
                .add(take(s, "observations_waited_for_engine"));
        x.gauge("jibril_detect_queue_depth", "Observations waiting for the recipe engine.").add(take(s, "queue"));
        Map<String, Object> dispatch = map(s, "dispatch");
        if (dispatch != null) {
            x.counter("jibril_detection_listener_errors_total", "Times a detection listener (reactions) threw.")
                    .add(take(dispatch, "listener_errors"));
            x.gauge("jibril_detect_delivery_queue_depth", "Detections waiting to be handed to the printers.")
                    .add(take(dispatch, "delivery_queue"));
            Map<String, Object> a = map(dispatch, "attenuation");
            Exposition.Family f = x.counter("jibril_attenuation_total", "Detections through the attenuators, by "
                    + "outcome (attenuated; withheld: judged a false positive and kept aside; timeout, failure: "
                    + "printed unattenuated; busy: every attenuation thread busy, printed unattenuated).");
            f.add(take(a, "attenuated"), "outcome", "attenuated");
            f.add(take(a, "withheld"), "outcome", "withheld");
            f.add(take(a, "timeouts"), "outcome", "timeout");
            f.add(take(a, "failures"), "outcome", "failure");
            f.add(take(a, "busy_passed_unattenuated"), "outcome", "busy");
        }
    }

    private static void printers(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        Exposition.Family events = x.counter("jibril_printer_events_total",
                "Events offered to a printer, by outcome (printed; dropped: its queue was full; failed: it threw).");
        Exposition.Family depth = x.gauge("jibril_printer_queue_depth", "Events waiting in a printer's queue.");
        Exposition.Family spooled = x.gauge("jibril_printer_spool_events", "Events in a printer's on-disk spool.");
        Exposition.Family spoolBytes = x.gauge("jibril_printer_spool_bytes", "Bytes of a printer's on-disk spool.");
        Exposition.Family spoolLost = x.counter("jibril_printer_spool_lost_total",
                "Events a printer lost because its spool was at its limit.");
        for (Map.Entry<String, Object> e : s.entrySet()) {
            Map<String, Object> p = asMap(e.getValue());
            String name = e.getKey();
            events.add(take(p, "printed"), "printer", name, "outcome", "printed");
            events.add(take(p, "dropped"), "printer", name, "outcome", "dropped");
            events.add(take(p, "failed"), "printer", name, "outcome", "failed");
            depth.add(take(p, "queued"), "printer", name);
            // the http printer's own figures: spooled, spool_bytes, lost, delivered
            spooled.add(first(take(p, "spool_events"), take(p, "spooled")), "printer", name);
            spoolBytes.add(take(p, "spool_bytes"), "printer", name);
            spoolLost.add(first(take(p, "spool_lost"), take(p, "lost")), "printer", name);
            events.add(take(p, "delivered"), "printer", name, "outcome", "delivered");
        }
    }

    private static void reactions(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        Exposition.Family f = x.counter("jibril_reactions_total", "Reactions run, by outcome.");
        f.add(take(s, "run"), "outcome", "run");
        f.add(take(s, "failed"), "outcome", "failed");
        f.add(take(s, "timed_out"), "outcome", "timed_out");
        f.add(take(s, "ok"), "outcome", "ok");
        f.add(take(s, "refused"), "outcome", "refused");
        x.counter("jibril_reactions_shed_total", "Reactions not run because their queue was full.")
                .add(take(s, "overflow"));
        x.gauge("jibril_reactions_queue_depth", "Reactions waiting to run.").add(take(s, "queue_depth"));
    }

    /** The LLM attenuator (jibril.attenuator): verdicts, and why detections went on without one. */
    private static void attenuator(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        if (s.get("state") instanceof String state) {
            x.gauge("jibril_attenuator_enabled", "1 while the LLM attenuator judges detections, else 0.")
                    .add(state.equals("enabled") ? 1 : 0);
        }
        Map<String, Object> options = map(s, "options");
        Number budget = take(options, "budget.ms");
        if (budget != null && s.containsKey("detections")) {
            x.gauge("jibril_attenuator_budget_seconds", "The most a detection waits for the model's verdict.")
                    .add(budget.doubleValue() / 1000);
        }
        s.remove("options");
        x.counter("jibril_attenuator_detections_total", "Detections given to the LLM attenuator.")
                .add(take(s, "detections"));
        Exposition.Family v = x.counter("jibril_attenuator_verdicts_total",
                "Detections attenuated with a verdict, by verdict (a false positive or not).");
        Number attenuated = take(s, "attenuated");
        Number fp = take(s, "false_positives");
        if (attenuated != null && fp != null) {
            v.add(fp, "false_positive", "true");
            v.add(attenuated.longValue() - fp.longValue(), "false_positive", "false");
        }
        x.counter("jibril_attenuator_withheld_total", "False positives withheld from the printers (block mode); "
                + "they are in the attenuator's withheld file.").add(take(s, "withheld"));
        x.counter("jibril_attenuator_withheld_write_errors_total",
                "Events block mode could not keep in its withheld file, and printed instead.")
                .add(take(s, "withheld_write_errors"));
        take(s, "unattenuated");
        Map<String, Object> causes = map(s, "unattenuated_by_cause");
        if (causes != null) {
            Exposition.Family f = x.counter("jibril_attenuator_unattenuated_total", "Detections printed without a "
                    + "verdict, by cause (timeout, http_error, rate_limited, malformed, unreachable, breaker_open, busy).");
            for (String cause : new ArrayList<>(causes.keySet())) {
                f.add(take(causes, cause), "cause", cause);
            }
        }
        x.counter("jibril_attenuator_requests_total", "Requests sent to the model's endpoint, retries included.")
                .add(take(s, "requests"));
        x.counter("jibril_attenuator_retries_total", "Requests repeated after a 429, a 5xx or a connection failure.")
                .add(take(s, "retries"));
        Exposition.Family cache = x.counter("jibril_attenuator_shared_verdicts_total", "Detections that reused the "
                + "verdict of an identical one, by how (cached: kept verdict; coalesced: joined a call in flight).");
        cache.add(take(s, "cache_hits"), "how", "cached");
        cache.add(take(s, "coalesced"), "how", "coalesced");
        x.gauge("jibril_attenuator_cache_entries", "Verdicts kept for identical detections.").add(take(s, "cache_size"));
        x.gauge("jibril_attenuator_in_flight", "Requests to the model in progress.").add(take(s, "in_flight"));
        x.gauge("jibril_attenuator_queue_depth", "Detections waiting for a request thread.").add(take(s, "queued"));
        Map<String, Object> b = map(s, "breaker");
        if (b != null) {
            if (b.get("state") instanceof String state) {
                x.gauge("jibril_attenuator_breaker_open", "1 while the circuit breaker keeps calls from a failing "
                        + "endpoint, else 0.").add(state.equals("open") ? 1 : 0);
            }
            x.counter("jibril_attenuator_breaker_opened_total", "Times the circuit breaker opened.")
                    .add(take(b, "opened"));
        }
    }

    private static void procfs(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        Exposition.Family f = x.gauge("jibril_procfs_processes",
                "Processes found in /proc at start, by what seeding did with them.");
        f.add(take(s, "seeded"), "result", "seeded");
        f.add(take(s, "already_known"), "result", "already_known");
        f.add(take(s, "gone_while_reading"), "result", "gone");
        f.add(take(s, "failed"), "result", "failed");
        Exposition.Family files = x.gauge("jibril_procfs_file_pairs",
                "Open or mapped files of older processes found in /proc at start, by what seeding did with them "
                        + "(skipped: beyond a quarter of task_file, mapped files first).");
        files.add(take(s, "file_pairs_seeded"), "result", "seeded");
        files.add(take(s, "file_pairs_failed"), "result", "failed");
        files.add(take(s, "file_pairs_skipped"), "result", "skipped");
        x.gauge("jibril_procfs_seed_seconds", "Seconds the seeding from /proc took.").add(seconds(take(s, "millis")));
    }

    private static void config(Map<String, Object> s, Exposition x) {
        if (s == null) {
            return;
        }
        if (s.get("state") instanceof String state) {
            x.gauge("jibril_config_ok", "1 when the configuration file in force is valid, else 0 "
                    + "(a refused change keeps the last good one).").add(state.equals("ok") ? 1 : 0);
        }
        if (s.get("errors") instanceof List<?> l) {
            x.gauge("jibril_config_errors", "Errors in the configuration file.").add(l.size());
        }
        if (s.get("warnings") instanceof List<?> l) {
            x.gauge("jibril_config_warnings", "Warnings about the configuration file.").add(l.size());
        }
        take(s, "poll.ms");
    }

    private static void labelled(Map<String, Object> counters, Map<String, String> keys, Exposition.Family f,
            String label) {
        for (Map.Entry<String, String> k : keys.entrySet()) {
            f.add(take(counters, k.getKey()), label, k.getValue());
        }
    }

    private static Number seconds(Number millis) {
        return millis == null || millis.longValue() < 0 ? null : millis.doubleValue() / 1000;
    }

    /** Removes a number (or boolean, as 1 or 0) from the map and returns it; null when absent or not a number. */
    private static Number take(Map<String, Object> m, String key) {
        if (m == null) {
            return null;
        }
        Object v = m.get(key);
        if (v instanceof Number n) {
            m.remove(key);
            return n;
        }
        if (v instanceof Boolean b) {
            m.remove(key);
            return b ? 1 : 0;
        }
        return null;
    }

    private static Number first(Number a, Number b) {
        return a != null ? a : b;
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        return m == null ? null : asMap(m.get(key));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        // Every map below the root is a LinkedHashMap<String, Object> made by copy().
        return o instanceof LinkedHashMap<?, ?> m ? (Map<String, Object>) m : null;
    }

    /** A deep copy whose maps the extractors may empty: what is left over is exported under its path. */
    private static Map<String, Object> copy(Map<?, ?> source) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : source.entrySet()) {
            Object v = e.getValue();
            out.put(String.valueOf(e.getKey()), v instanceof Map<?, ?> m ? copy(m) : v);
        }
        return out;
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** Metric names allow [a-zA-Z0-9_:]. */
    static String name(String key) {
        return key.replaceAll("[^a-zA-Z0-9_]", "_");
    }

    /** Families in the order they were declared, each with its samples; families without samples are left out. */
    static final class Exposition {

        private final Map<String, Family> families = new LinkedHashMap<>();

        Family counter(String name, String help) {
            return family(name, "counter", help);
        }

        Family gauge(String name, String help) {
            return family(name, "gauge", help);
        }

        private Family family(String name, String type, String help) {
            return families.computeIfAbsent(name, n -> new Family(n, type, help));
        }

        /** Every number and boolean left in the tree, as a gauge named after its path. */
        void leftovers(String prefix, Map<String, Object> tree) {
            leftovers(prefix, "", tree);
        }

        private void leftovers(String prefix, String path, Map<String, Object> tree) {
            for (Map.Entry<String, Object> e : tree.entrySet()) {
                String metric = prefix + "_" + name(e.getKey());
                String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                Object v = e.getValue();
                if (v instanceof Map<?, ?>) {
                    leftovers(metric, key, asMap(v));
                } else if (v instanceof Number || v instanceof Boolean) {
                    Number n = v instanceof Boolean b ? (b ? 1 : 0) : (Number) v;
                    Family f = gauge(metric, "The value of " + key
                            + " in jibril:status (no stable name yet: it follows the status keys).");
                    if (f.samples.isEmpty()) {
                        f.add(n);
                    }
                }
            }
        }

        String text() {
            StringBuilder out = new StringBuilder(8192);
            for (Family f : families.values()) {
                if (f.samples.isEmpty()) {
                    continue;
                }
                out.append("# HELP ").append(f.name).append(' ').append(escapeHelp(f.help)).append('\n');
                out.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
                for (String sample : f.samples) {
                    out.append(sample).append('\n');
                }
            }
            return out.toString();
        }

        static final class Family {
            private final String name;
            private final String type;
            private final String help;
            private final List<String> samples = new ArrayList<>();

            Family(String name, String type, String help) {
                this.name = name;
                this.type = type;
                this.help = help;
            }

            /** Adds one sample; labels are name, value pairs. Does nothing when value is null. */
            void add(Number value, String... labels) {
                if (value == null) {
                    return;
                }
                StringBuilder s = new StringBuilder(name);
                if (labels.length > 0) {
                    s.append('{');
                    for (int i = 0; i < labels.length; i += 2) {
                        if (i > 0) {
                            s.append(',');
                        }
                        s.append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
                    }
                    s.append('}');
                }
                samples.add(s.append(' ').append(format(value)).toString());
            }
        }

        static String format(Number n) {
            if (n instanceof Double || n instanceof Float) {
                double d = n.doubleValue();
                if (Double.isNaN(d)) {
                    return "NaN";
                }
                if (Double.isInfinite(d)) {
                    return d > 0 ? "+Inf" : "-Inf";
                }
                return Double.toString(d);
            }
            return Long.toString(n.longValue());
        }

        static String escapeHelp(String s) {
            return s.replace("\\", "\\\\").replace("\n", "\\n");
        }

        static String escapeLabel(String s) {
            return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }
    }
}
