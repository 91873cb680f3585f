package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Tampering with the daemon's own eBPF state taints it, and it says so within a cadence: in jibril:status, in the
 * metrics and as a critical {@code tainted} event naming the process. Three ways in: another process writes one of
 * its maps (bpftool rewrites a cursor with the value it already has), detaches one of its links (bpftool link
 * detach of a cgroup link: the only kind the kernel lets anyone detach), or loads a program that holds one of its
 * maps. A map that only its programs write is frozen: a write fails, and taints all the same. Reading its maps
 * (bpftool map dump) is not tampering.
 */
class TaintTest {

    private static final Path INTRUDER = JibrilProcess.ROOT
            .resolve("jibril.bpf/target/test-classes/jibril/bpf/testobj/intruder.bpf.o");
    /** One cadence of the default configuration: the guard itself sweeps every second (programs every fifth). */
    private static final long WITHIN_MILLIS = 9_000;
    /** How long the test waits for a finding, for its diagnostics; a slow CI machine may need more than a cadence. */
    private static final long WAIT_MILLIS = 30_000;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void writingAMapDetachingALinkOrHoldingAMapTaintsTheDaemon() throws Exception {
        assertTrue(Files.exists(INTRUDER), INTRUDER + " is built with jibril.bpf's test resources");
        Path intruderPin = Path.of("/sys/fs/bpf/jibril-e2e-intruder-" + UUID.randomUUID().toString().substring(0, 8));
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "daemon not ready:\n" + jibril.log());
            JsonObject taint = taint(jibril);
            assertEquals("armed", taint.get("guard").getAsString(), taint.toString());
            assertTrue(taint.getAsJsonArray("frozen").toString().contains("guarded"), taint.toString());

            // Reading is not tampering.
            String cursors = jibril.pinRoot.resolve("cursors").toString();
            run("bpftool", "map", "dump", "pinned", cursors);
            run("bpftool", "map", "show", "pinned", cursors);
            Thread.sleep(2_500);
            assertFalse(status(jibril).get("tainted").getAsBoolean(), "a read tainted the daemon:\n" + taint(jibril));
            assertTrue(metrics(jibril).contains("\njibril_tainted 0\n"), metrics(jibril));

            // 1. Another process writes a map: a cursor, with the value it already has.
            List<String> update = new ArrayList<>(List.of("bpftool", "map", "update", "pinned", cursors, "key", "0",
                    "0", "0", "0", "value"));
            update.addAll(currentValue(cursors));
            Process writer = run(update.toArray(String[]::new));
            long wrote = System.currentTimeMillis();
            JsonObject record = awaitRecord(jibril, r -> r.get("what").getAsString().equals("map_update_elem")
                    && r.get("pid").getAsLong() == writer.pid());
            long within = System.currentTimeMillis() - wrote;
            assertEquals("cursors", record.get("object_name").getAsString(), record.toString());
            assertEquals("bpftool", record.get("comm").getAsString());
            assertEquals(1, record.get("succeeded").getAsLong());
            assertTrue(status(jibril).get("tainted").getAsBoolean());
            String metrics = metrics(jibril);
            assertTrue(metrics.contains("\njibril_tainted 1\n"), metrics);
            Matcher m = Pattern.compile("(?m)^jibril_taint_records_total (\\d+)$").matcher(metrics);
            assertTrue(m.find() && Long.parseLong(m.group(1)) >= 1, metrics);
            assertTrue(metrics.contains("# TYPE jibril_taint_records_total counter"), metrics);
            JibrilProcess.Result shell = jibril.shell("jibril:status");
            assertTrue(shell.output().matches("(?s).*\\btainted\\s+true\\b.*"), shell.output());
            JsonObject event = awaitEvent(jibril, e -> e.has("process")
                    && e.getAsJsonObject("process").get("pid").getAsLong() == writer.pid());
            assertEquals("tainted", event.getAsJsonObject("metadata").get("kind").getAsString());
            assertEquals("critical", event.getAsJsonObject("metadata").get("importance").getAsString());
            assertEquals("bpftool", event.getAsJsonObject("process").get("comm").getAsString());
            assertTrue(event.get("note").getAsString().contains("map_update_elem"), event.toString());
            assertTrue(within < WITHIN_MILLIS, "taint reported after " + within + " ms");

            // A map only its programs write is frozen: the write fails, and the attempt taints all the same.
            JsonObject now = taint(jibril);
            assertTrue(now.getAsJsonArray("frozen").toString().contains("exec_seq"), now.toString());
            Process refused = new ProcessBuilder("bpftool", "map", "update", "pinned",
                    jibril.pinRoot.resolve("exec_seq").toString(), "key", "0", "0", "0", "0", "value", "0", "0", "0",
                    "0", "0", "0", "0", "0").redirectErrorStream(true).start();
            String said = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(refused.waitFor() != 0, "bpftool wrote a frozen map: " + said);
            JsonObject attempt = awaitRecord(jibril, r -> r.get("pid").getAsLong() == refused.pid());
            assertEquals("exec_seq", attempt.get("object_name").getAsString(), attempt.toString());
            assertEquals(0, attempt.get("succeeded").getAsLong(), attempt.toString());

            // 2. Another process detaches one of its links: net's egress accounting on the cgroup root.
            int egress = programId(jibril, "jibril_egress");
            int link = cgroupLinkOf(egress);
            Process detacher = run("bpftool", "link", "detach", "id", Integer.toString(link));
            awaitRecord(jibril, r -> r.get("what").getAsString().equals("link_detach")
                    && r.get("pid").getAsLong() == detacher.pid() && r.get("object_number").getAsInt() == link);
            awaitRecord(jibril, r -> r.get("what").getAsString().equals("link_detached")
                    && r.get("object_number").getAsInt() == link);
            awaitEvent(jibril, e -> e.has("process")
                    && e.getAsJsonObject("process").get("pid").getAsLong() == detacher.pid()
                    && e.get("note").getAsString().contains("link_detach"));

            // 3. A program that is not Jibril's takes one of its maps.
            run("bpftool", "prog", "load", INTRUDER.toString(), intruderPin.toString(), "map", "name", "counters",
                    "pinned", jibril.pinRoot.resolve("counters").toString());
            JsonObject foreign = awaitRecord(jibril,
                    r -> r.get("what").getAsString().equals("foreign_program_uses_maps"));
            assertEquals("intruder", foreign.get("object_name").getAsString(), foreign.toString());
            assertTrue(foreign.getAsJsonArray("maps").toString().contains("counters"), foreign.toString());
            awaitEvent(jibril, e -> e.get("note").getAsString().contains("intruder"));

            String log = jibril.log();
            assertTrue(log.contains("ERROR") && log.contains("TAINTED"), log);
            assertEquals(0, jibril.stop(), "exit code after SIGTERM; log:\n" + jibril.log());
        } finally {
            Files.deleteIfExists(intruderPin);
        }
    }

    private JsonObject status(JibrilProcess jibril) throws IOException, InterruptedException {
        return JsonParser.parseString(get(jibril, "/status")).getAsJsonObject();
    }

    private JsonObject taint(JibrilProcess jibril) throws IOException, InterruptedException {
        return status(jibril).getAsJsonObject("taint");
    }

    private String metrics(JibrilProcess jibril) throws IOException, InterruptedException {
        return get(jibril, "/metrics");
    }

    private String get(JibrilProcess jibril, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + jibril.healthPort + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private JsonObject awaitRecord(JibrilProcess jibril, Predicate<JsonObject> which) throws Exception {
        JsonObject[] found = new JsonObject[1];
        JibrilProcess.waitFor(WAIT_MILLIS, () -> {
            try {
                for (JsonElement r : taint(jibril).getAsJsonArray("records")) {
                    if (which.test(r.getAsJsonObject())) {
                        found[0] = r.getAsJsonObject();
                        return true;
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // not yet
            }
            return false;
        });
        assertNotNull(found[0], () -> "no such taint record; taint section:\n" + quietly(() -> taint(jibril))
                + "\nlog:\n" + jibril.log());
        return found[0];
    }

    private static JsonObject awaitEvent(JibrilProcess jibril, Predicate<JsonObject> which) throws Exception {
        JsonObject[] found = new JsonObject[1];
        JibrilProcess.waitFor(WAIT_MILLIS, () -> {
            try {
                for (String line : jibril.events()) {
                    if (!line.contains("\"tainted\"")) {
                        continue;
                    }
                    JsonObject e = JsonParser.parseString(line).getAsJsonObject();
                    if (e.getAsJsonObject("metadata").get("name").getAsString().equals("tainted") && which.test(e)) {
                        found[0] = e;
                        return true;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not yet
            }
            return false;
        });
        assertNotNull(found[0], () -> "no such tainted event; events:\n" + quietly(() -> jibril.events()));
        return found[0];
    }

    /** The value bytes of a pinned array map's key 0, as bpftool's decimal byte arguments. */
    private static List<String> currentValue(String pinned) throws Exception {
        JsonObject o = JsonParser.parseString(output("bpftool", "-j", "map", "lookup", "pinned", pinned, "key", "0",
                "0", "0", "0")).getAsJsonObject();
        List<String> bytes = new ArrayList<>();
        JsonArray value = o.getAsJsonArray("value");
        for (JsonElement b : value) {
            bytes.add(Integer.toString(Integer.decode(b.getAsString())));
        }
        assertEquals(8, bytes.size(), o.toString());
        return bytes;
    }

    private int programId(JibrilProcess jibril, String name) throws Exception {
        for (JsonElement p : status(jibril).getAsJsonObject("ebpf").getAsJsonArray("programs")) {
            if (p.getAsJsonObject().get("name").getAsString().equals(name)) {
                return p.getAsJsonObject().get("id").getAsInt();
            }
        }
        throw new AssertionError("no program " + name + " in the status");
    }

    /** The id of the cgroup link that attaches program {@code prog}. */
    private static int cgroupLinkOf(int prog) throws Exception {
        for (JsonElement l : JsonParser.parseString(output("bpftool", "-j", "link", "show")).getAsJsonArray()) {
            JsonObject o = l.getAsJsonObject();
            if (o.get("type").getAsString().equals("cgroup") && o.get("prog_id").getAsInt() == prog) {
                return o.get("id").getAsInt();
            }
        }
        throw new AssertionError("no cgroup link of program " + prog);
    }

    private static Process run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + ":\n" + out);
        return p;
    }

    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command));
        return out;
    }

    private interface Call<T> {
        T call() throws Exception;
    }

    private static String quietly(Call<?> c) {
        try {
            return String.valueOf(c.call());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
