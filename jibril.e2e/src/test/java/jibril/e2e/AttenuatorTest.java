package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The attenuator in the real daemon, against a chat-completions endpoint this test runs on loopback: a built-in
 * detection (reading /etc/shadow) is printed with the model's verdict and reasoning, the token goes only in the
 * Authorization header (never in the events, the log or jibril:status), and stopping the attenuator bundle
 * while detections flow loses none of them.
 */
class AttenuatorTest {

    private static final String TOKEN = "sk-e2e-" + Long.toHexString(System.nanoTime()) + "-secret";
    private static final int PROBES = 60;

    @Test
    void detectionsArePrintedWithTheVerdictAndStoppingTheAttenuatorLosesNone() throws Exception {
        Path scratch = Files.createTempDirectory("jibril-attenuator-");
        ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();
        HttpServer model = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        model.setExecutor(Executors.newFixedThreadPool(8));
        model.createContext("/v1/chat/completions", x -> answer(x, authorizations, bodies));
        model.start();
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path recipes = Files.createDirectories(scratch.resolve("recipes"));
            Files.writeString(recipes.resolve("probe.yaml"), """
                    - kind: attenuator_probe
                      name: attenuator_probe
                      description: an execution of an attenuator probe
                      breed: file_access
                      mechanism: execution
                      importance: medium
                      file_actions: [execve]
                      bases:
                        - regex: /attn-probe-[0-9]+$
                    """);
            String url = "http://127.0.0.1:" + model.getAddress().getPort() + "/v1/chat/completions";
            Files.writeString(jibril.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    config:
                      plugin: [jibril:hold, jibril:printers, jibril:detect, "jibril:alchemies:path=%s:interval=200",
                               "jibril:attenuator:url=%s:model=e2e-model:mode=reason:budget=3s"]
                      printer: [jibril:printers:stdout]
                      event: []
                    """.formatted(jibril.healthPort, recipes, url));
            jibril.wrapped(List.of(), Map.of("AI_TOKEN", TOKEN)).start();
            assertTrue(jibril.awaitReady(90_000), jibril.log());
            assertTrue(JibrilProcess.waitFor(30_000, () -> status(jibril).contains("state=enabled")), status(jibril));

            // A built-in recipe fires and its detection is printed attenuated, with the reasoning (reason mode).
            Path bin = Files.createDirectories(scratch.resolve("bin"));
            Files.copy(Path.of("/usr/bin/cat"), bin.resolve("jt-read"));
            Process cat = new ProcessBuilder(bin.resolve("jt-read").toString(), "/etc/shadow")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals(0, cat.waitFor());
            List<JsonObject> shadow = new ArrayList<>();
            assertTrue(JibrilProcess.waitFor(30_000, () -> {
                shadow.clear();
                shadow.addAll(events(jibril).stream().filter(e -> name(e).startsWith("credentials_files_access")).toList());
                return !shadow.isEmpty();
            }), "no credentials_files_access detection\n" + jibril.log());
            JsonObject e = shadow.get(0);
            assertTrue(e.has("attenuator"), "not attenuated: " + e);
            JsonObject a = e.getAsJsonObject("attenuator");
            assertEquals("openai", a.get("attenuated_by").getAsString());
            assertEquals("e2e verdict", a.get("interpretation").getAsString());
            assertEquals("e2e reasoning", a.get("thinking").getAsString());
            assertEquals(77, a.get("new_severity").getAsInt());
            assertEquals(77, e.getAsJsonObject("score").get("severity").getAsInt());
            assertTrue(authorizations.stream().allMatch(h -> h.equals("Bearer " + TOKEN)), authorizations.toString());
            assertTrue(bodies.stream().anyMatch(b -> b.contains("/etc/shadow") && b.contains("e2e-model")));

            // Probes run while the attenuator bundle is stopped: every one is printed, once.
            String bundle = bundleId(jibril);
            for (int i = 0; i < PROBES; i++) {
                Path probe = bin.resolve("attn-probe-" + i);
                Files.copy(Path.of("/usr/bin/true"), probe);
                probe.toFile().setExecutable(true);
                assertEquals(0, new ProcessBuilder(probe.toString()).start().waitFor());
                if (i == PROBES / 3) {
                    assertEquals(0, jibril.shell("stop " + bundle).code());
                }
                Thread.sleep(30);
            }
            Map<String, Integer> seen = new HashMap<>();
            int[] attenuated = new int[1];
            assertTrue(JibrilProcess.waitFor(30_000, () -> {
                seen.clear();
                attenuated[0] = 0;
                for (JsonObject ev : events(jibril)) {
                    if (name(ev).equals("attenuator_probe")) {
                        seen.merge(ev.getAsJsonObject("process").get("exe").getAsString(), 1, Integer::sum);
                        attenuated[0] += ev.has("attenuator") ? 1 : 0;
                    }
                }
                return seen.size() >= PROBES;
            }), "printed " + seen.size() + " of " + PROBES + " probes\n" + jibril.log());
            assertTrue(seen.values().stream().allMatch(n -> n == 1), seen.toString());
            assertTrue(attenuated[0] >= 1 && attenuated[0] < PROBES,
                    attenuated[0] + " of " + PROBES + " attenuated: before the stop they are, after it they are not");
            assertFalse(status(jibril).contains("state=enabled"), "the attenuator is gone");
            System.out.printf("[attenuator] %d of %d probes printed once, %d of them attenuated (the bundle stopped "
                    + "after probe %d); %d requests to the model%n", seen.size(), PROBES, attenuated[0], PROBES / 3,
                    bodies.size());

            String everything = String.join("\n", jibril.events()) + jibril.log() + status(jibril)
                    + jibril.shell("jibril:config").output();
            assertFalse(everything.contains(TOKEN), "the token leaked");
            assertEquals(0, jibril.stop());
        } finally {
            model.stop(0);
            JibrilProcess.delete(scratch);
        }
    }

    private static void answer(HttpExchange x, ConcurrentLinkedQueue<String> authorizations,
            ConcurrentLinkedQueue<String> bodies) throws IOException {
        try (x) {
            authorizations.add(String.valueOf(x.getRequestHeaders().getFirst("Authorization")));
            bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            try {
                Thread.sleep(100); // a model takes its time: some probes are in flight at the stop
            } catch (InterruptedException e) {
                return;
            }
            JsonObject v = new JsonObject();
            v.addProperty("is_false_positive", false);
            v.addProperty("confidence", 0.9);
            v.addProperty("new_severity", 77);
            v.addProperty("interpretation", "e2e verdict");
            v.addProperty("thinking", "e2e reasoning");
            JsonObject message = new JsonObject();
            message.addProperty("role", "assistant");
            message.addProperty("content", v.toString());
            JsonObject choice = new JsonObject();
            choice.add("message", message);
            JsonArray choices = new JsonArray();
            choices.add(choice);
            JsonObject body = new JsonObject();
            body.add("choices", choices);
            byte[] out = body.toString().getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, out.length);
            try (OutputStream os = x.getResponseBody()) {
                os.write(out);
            }
        }
    }

    private static String bundleId(JibrilProcess jibril) throws Exception {
        String lb = jibril.shell("lb -s").output();
        Matcher m = Pattern.compile("(?m)^\\s*(\\d+)\\|.*\\|\\s*jibril\\.attenuator\\b").matcher(lb);
        assertTrue(m.find(), lb);
        return m.group(1);
    }

    private static List<JsonObject> events(JibrilProcess jibril) {
        try {
            return jibril.events().stream().filter(l -> l.startsWith("{"))
                    .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static String name(JsonObject e) {
        JsonObject m = e.getAsJsonObject("metadata");
        return m == null || !m.has("name") ? "" : m.get("name").getAsString();
    }

    private static String status(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:status").output();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
