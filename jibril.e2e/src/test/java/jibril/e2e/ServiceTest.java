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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The daemon as the systemd unit runs it: with only the capabilities of the unit's CapabilityBoundingSet and
 * NoNewPrivileges (through setpriv), and a NOTIFY_SOCKET this test binds, as systemd does. READY=1 arrives once
 * /health/ready answers 200, with every program family loaded; /metrics reads with the Prometheus project's own
 * parser (python3-prometheus-client); SIGTERM brings STOPPING=1 and exit code 0.
 */
class ServiceTest {

    static final Path UNIT = JibrilProcess.ROOT.resolve("packaging/systemd/jibril.service");

    @Test
    void theDaemonRunsWithTheUnitsCapabilitiesAndNotifiesSystemd() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess(); NotifySocket notify = new NotifySocket(jibril.dir)) {
            jibril.wrapped(List.of("setpriv", "--no-new-privs", "--bounding-set=" + boundingSet(), "--"),
                    Map.of("NOTIFY_SOCKET", notify.path.toString())).start();

            String ready = null;
            long end = System.currentTimeMillis() + 90_000;
            while (ready == null && System.currentTimeMillis() < end && jibril.process().isAlive()) {
                String m = notify.receive(1_000);
                if (m != null && m.lines().anyMatch("READY=1"::equals)) {
                    ready = m;
                }
            }
            assertNotNull(ready, "no READY=1 within 90 s; log:\n" + jibril.log());
            assertEquals(200, jibril.httpStatus("/health/ready"), "READY=1 before /health/ready says so");

            JsonObject status = JsonParser.parseString(get(jibril, "/status")).getAsJsonObject();
            JsonObject ebpf = status.getAsJsonObject("ebpf");
            assertFalse(ebpf.has("not_loaded"), "with the unit's capabilities a program family failed: " + ebpf
                    .get("not_loaded"));
            assertTrue(ebpf.getAsJsonArray("programs").size() > 50, "programs attached: " + ebpf.get("programs"));
            assertEquals(0, status.getAsJsonObject("procfs").get("failed").getAsInt(),
                    "reading /proc failed with the unit's capabilities: " + status.get("procfs"));

            // One exec, so the kernel's exec counter moves.
            assertEquals(0, new ProcessBuilder("/bin/true").start().waitFor());
            assertTrue(JibrilProcess.waitFor(10_000, () -> {
                try {
                    return sample(parseMetrics(get(jibril, "/metrics")), "jibril_kernel_events_total", "kind",
                            "exec") > 0;
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }), "jibril_kernel_events_total{kind=\"exec\"} stayed 0");
            JsonObject metrics = parseMetrics(get(jibril, "/metrics"));
            assertEquals(1.0, sample(metrics, "jibril_ready", null, null));
            assertEquals(65536.0, sample(metrics, "jibril_map_capacity", "map", "tasks"));
            assertTrue(sample(metrics, "jibril_notices_lost_total", null, null) >= 0);
            for (String family : metrics.keySet()) {
                JsonObject f = metrics.getAsJsonObject(family);
                assertFalse(f.get("help").getAsString().isBlank(), family + " has no HELP");
                assertFalse(f.get("type").getAsString().equals("unknown"), family + " has no TYPE");
            }

            assertEquals(0, jibril.stop(), "exit code; log:\n" + jibril.log());
            String stopping = null;
            for (String m; stopping == null && (m = notify.receive(5_000)) != null;) {
                if (m.lines().anyMatch("STOPPING=1"::equals)) {
                    stopping = m;
                }
            }
            assertNotNull(stopping, "no STOPPING=1 at the stop; log:\n" + jibril.log());
        }
    }

    /** The unit's CapabilityBoundingSet= as setpriv's --bounding-set argument. */
    static String boundingSet() throws IOException {
        String line = Files.readAllLines(UNIT).stream().filter(l -> l.startsWith("CapabilityBoundingSet="))
                .findFirst().orElseThrow();
        List<String> caps = new ArrayList<>(List.of("-all"));
        for (String cap : line.substring(line.indexOf('=') + 1).trim().split("\\s+")) {
            caps.add("+" + cap.toLowerCase().replace("cap_", ""));
        }
        return String.join(",", caps);
    }

    static String get(JibrilProcess jibril, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + jibril.healthPort + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path);
        return r.body();
    }

    /** The text read by prometheus_client's parser: {family: {type, help, samples: [[name, labels, value]]}}. */
    static JsonObject parseMetrics(String text) throws IOException, InterruptedException {
        String script = """
                import json, sys
                from prometheus_client.parser import text_string_to_metric_families
                out = {}
                for f in text_string_to_metric_families(sys.stdin.read()):
                    out[f.name] = {"type": f.type, "help": f.documentation,
                                   "samples": [[s.name, s.labels, s.value] for s in f.samples]}
                print(json.dumps(out))
                """;
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
        p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "prometheus_client could not parse /metrics (bin/setup installs "
                + "python3-prometheus-client):\n" + out + "\n" + text);
        return JsonParser.parseString(out).getAsJsonObject();
    }

    /** A sample's value; a counter's family is named without _total by the parser, its samples with it. */
    static double sample(JsonObject metrics, String name, String label, String value) {
        for (String family : metrics.keySet()) {
            for (JsonElement s : metrics.getAsJsonObject(family).getAsJsonArray("samples")) {
                var a = s.getAsJsonArray();
                JsonObject labels = a.get(1).getAsJsonObject();
                if (a.get(0).getAsString().equals(name)
                        && (label == null || (labels.has(label) && labels.get(label).getAsString().equals(value)))) {
                    return a.get(2).getAsDouble();
                }
            }
        }
        throw new AssertionError("no sample " + name + " " + label + "=" + value);
    }

    /** systemd's end of sd_notify: a bound AF_UNIX datagram socket. */
    static final class NotifySocket implements AutoCloseable {

        interface C extends Library {
            C LIB = Native.load("c", C.class);

            int socket(int domain, int type, int protocol);

            int bind(int fd, byte[] addr, int len);

            int setsockopt(int fd, int level, int name, byte[] value, int len);

            long recv(int fd, byte[] buf, long len, int flags);

            int close(int fd);
        }

        final Path path;
        private final int fd;

        NotifySocket(Path dir) throws IOException {
            path = dir.resolve("notify.sock");
            fd = C.LIB.socket(1, 2, 0);
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            ByteBuffer addr = ByteBuffer.allocate(110).order(ByteOrder.nativeOrder()).putShort((short) 1).put(name);
            if (fd < 0 || C.LIB.bind(fd, addr.array(), 2 + name.length + 1) != 0) {
                throw new IOException("cannot bind " + path + ": errno " + Native.getLastError());
            }
        }

        /** The next datagram, or null when none came within the time. */
        String receive(long millis) {
            byte[] tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(millis / 1000)
                    .putLong((millis % 1000) * 1000).array();
            C.LIB.setsockopt(fd, 1, 20, tv, tv.length);
            byte[] buf = new byte[4096];
            long n = C.LIB.recv(fd, buf, buf.length, 0);
            return n < 0 ? null : new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            C.LIB.close(fd);
            Files.deleteIfExists(path);
        }
    }
}
