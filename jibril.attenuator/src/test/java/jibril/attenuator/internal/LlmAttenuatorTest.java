package jibril.attenuator.internal;

import static jibril.attenuator.internal.FakeModel.content;
import static jibril.attenuator.internal.FakeModel.delayed;
import static jibril.attenuator.internal.FakeModel.status;
import static jibril.attenuator.internal.FakeModel.verdict;
import static jibril.attenuator.internal.FakeModel.withHeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import jibril.core.api.Event;
import jibril.core.api.ProcessInfo;

/** The attenuator against a real HTTP server speaking chat completions. */
class LlmAttenuatorTest {

    static final String TOKEN = "sk-test-9f8e7d6c5b4a3f2e1d0c";
    static final Gson GSON = new GsonBuilder().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .disableHtmlEscaping().create();

    @TempDir
    Path tmp;
    FakeModel model;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final List<LlmAttenuator> opened = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        model = new FakeModel();
    }

    @AfterEach
    void stop() {
        opened.forEach(LlmAttenuator::close);
        model.close();
    }

    LlmAttenuator attenuator(String... options) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put("jibril.entry", "jibril:attenuator");
        p.put("url", model.url());
        p.put("token", TOKEN);
        p.put("model", "test-model");
        p.put("withheld-file", tmp.resolve("attenuated.json").toString());
        p.put("backoff", "20ms");
        for (int i = 0; i < options.length; i += 2) {
            p.put(options[i], options[i + 1]);
        }
        LlmAttenuator a = new LlmAttenuator(Settings.from(p, Map.of()), log::add);
        opened.add(a);
        return a;
    }

    static Event fileEvent(String path, String args) {
        return new Event("u-" + path, "2026-11-25T00:00:00Z", "",
                new Event.Metadata("file_access", "credentials_files_access", "file_access", "1",
                        "Credentials files accessed", "credential_access", "T1003", "", "high", ""),
                Event.Score.ofImportance("high"),
                new ProcessInfo("2026-11-25T00:00:00Z", "", 0, 0, 4242, 1, "cat", "cat " + args, "/usr/bin/cat", args),
                new Event.Background(List.of(new ProcessInfo("", "", 0, 0, 1, 0, "bash", "bash", "/usr/bin/bash", ""))),
                new Event.Scenarios(new Event.HostOs("m-id-secret", "host1", "10.0.0.1", "Debian", "x86_64")),
                new Event.FileInfo(path, "/etc", "shadow", List.of("open", "read"), Map.of("open", 1L, "read", 1L), "file",
                        "0640", 0, 42, "ext4", "", ""),
                null, null);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> byCause(LlmAttenuator a) {
        return (Map<String, Object>) a.status().get("unattenuated_by_cause");
    }

    @Test
    void amendAddsTheVerdictAndUpdatesTheScore() throws Exception {
        model.answers(verdict(false, 0.9, 80));
        Event e = fileEvent("/etc/shadow", "/etc/shadow");
        Event out = attenuator().attenuate(e);
        Map<String, Object> a = out.attenuator();
        assertEquals("openai", a.get("attenuated_by"));
        assertEquals("Looks like theft.", a.get("interpretation"));
        assertFalse(a.containsKey("thinking"), "amend mode leaves the reasoning out");
        assertEquals(false, a.get("is_false_positive"));
        assertEquals(80, a.get("new_severity"));
        assertEquals("high", a.get("new_severity_level"));
        assertEquals(0.9, a.get("new_confidence"));
        assertEquals(72.0, a.get("new_risk_score"));
        assertEquals(new Event.Score(80, "high", 0.9, 72.0), out.score());
        assertEquals(e.uuid(), out.uuid());
        assertEquals(e.file(), out.file());
    }

    @Test
    void reasonAddsTheThinking() throws Exception {
        model.answers(verdict(true, 0.7, 10));
        Event out = attenuator("mode", "reason").attenuate(fileEvent("/etc/shadow", ""));
        assertEquals("The ancestry shows the process came from a login shell.", out.attenuator().get("thinking"));
        assertEquals(true, out.attenuator().get("is_false_positive"));
        assertEquals("low", out.attenuator().get("new_severity_level"));
        // the model is 70 % sure it is a false positive: 30 % that it is real
        assertEquals(0.3, out.score().confidence(), 1e-9);
        assertEquals(3.0, out.score().riskScore(), 1e-9);
    }

    @Test
    void blockWithholdsConfidentFalsePositivesAndKeepsThemInTheirFile() throws Exception {
        LlmAttenuator a = attenuator("mode", "block", "block-confidence", "0.8", "cache-time", "0");
        model.answers(verdict(true, 0.95, 5));
        Event blocked = fileEvent("/etc/shadow", "a");
        assertNull(a.attenuate(blocked), "a confident false positive is withheld");

        model.answers(verdict(true, 0.6, 30));
        Event unsure = a.attenuate(fileEvent("/etc/shadow", "b"));
        assertNotNull(unsure, "an unsure false positive is printed, with its verdict");
        assertEquals(true, unsure.attenuator().get("is_false_positive"));

        model.answers(verdict(false, 0.99, 95));
        Event real = a.attenuate(fileEvent("/etc/shadow", "c"));
        assertEquals("critical", real.score().severityLevel());

        Path file = tmp.resolve("attenuated.json");
        List<String> lines = Files.readAllLines(file);
        assertEquals(1, lines.size(), lines.toString());
        JsonObject kept = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        assertEquals(blocked.uuid(), kept.get("uuid").getAsString());
        assertTrue(kept.getAsJsonObject("attenuator").get("is_false_positive").getAsBoolean());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(1L, a.status().get("withheld"));
        assertFalse(lines.get(0).contains(TOKEN));
    }

    @Test
    void blockPrintsTheEventWhenItCannotKeepIt() throws Exception {
        Files.writeString(tmp.resolve("not-a-dir"), "x");
        LlmAttenuator a = attenuator("mode", "block", "withheld-file", tmp.resolve("not-a-dir/attenuated.json").toString());
        model.answers(verdict(true, 0.99, 0));
        Event out = a.attenuate(fileEvent("/etc/shadow", ""));
        assertNotNull(out, "nothing disappears without trace: unkept means printed");
        assertEquals(1L, a.status().get("withheld_write_errors"));
        assertEquals(0L, a.status().get("withheld"));
    }

    @Test
    void theRequestCarriesTheTokenInItsHeaderAndARedactedDetection() throws Exception {
        model.answers(verdict(false, 0.9, 70));
        Event e = fileEvent("/etc/shadow", "--password=hunter2 --token abc123 AWS_SECRET_ACCESS_KEY=xyz /etc/shadow");
        e = new Event(e.uuid(), e.timestamp(), "LD_PRELOAD=/tmp/evil.so", e.metadata(), e.score(), e.process(),
                e.background(), e.scenarios(), e.file(), e.flow(), null);
        attenuator().attenuate(e);
        FakeModel.Request r = model.requests.peek();
        assertEquals("POST", r.method());
        assertEquals(List.of("Bearer " + TOKEN), r.headers().get("Authorization"));
        assertFalse(r.body().contains(TOKEN));
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("test-model", body.get("model").getAsString());
        assertEquals(0.2, body.get("temperature").getAsDouble());
        assertEquals("json_object", body.getAsJsonObject("response_format").get("type").getAsString());
        assertEquals("system", body.getAsJsonArray("messages").get(0).getAsJsonObject().get("role").getAsString());
        String user = body.getAsJsonArray("messages").get(1).getAsJsonObject().get("content").getAsString();
        JsonObject d = JsonParser.parseString(user).getAsJsonObject();
        assertEquals("credentials_files_access", d.getAsJsonObject("recipe").get("name").getAsString());
        assertEquals("/usr/bin/cat", d.getAsJsonObject("process").get("exe").getAsString());
        assertEquals("/usr/bin/bash", d.getAsJsonArray("ancestry").get(0).getAsJsonObject().get("exe").getAsString());
        assertEquals("/etc/shadow", d.getAsJsonObject("file").get("path").getAsString());
        assertEquals("host1", d.getAsJsonObject("host").get("hostname").getAsString());
        assertEquals("--password=[redacted] --token [redacted] AWS_SECRET_ACCESS_KEY=[redacted] /etc/shadow",
                d.getAsJsonObject("process").get("args").getAsString());
        assertEquals("LD_PRELOAD=[redacted]", d.get("note").getAsString());
        for (String secret : List.of("hunter2", "abc123", "xyz", "evil.so", "m-id-secret", "10.0.0.1")) {
            assertFalse(user.contains(secret), secret + " was sent to the model");
        }

        model.requests.clear();
        attenuator("redact", "false", "cache-time", "0").attenuate(e);
        assertTrue(model.requests.peek().body().contains("hunter2"), "redact=false sends the arguments as they are");
    }

    @Test
    void aMalformedAnswerLeavesTheEventUnattenuatedAndIsCounted() throws Exception {
        LlmAttenuator a = attenuator("cache-time", "0");
        for (FakeModel.Answer bad : List.of(content("this is not json"), content("{\"is_false_positive\":\"no\"}"),
                content("{\"is_false_positive\":true,\"confidence\":7,\"new_severity\":10}"),
                new FakeModel.Answer(200, Map.of(), "{\"choices\":[]}", 0),
                new FakeModel.Answer(200, Map.of(), "<html>", 0))) {
            model.answers(bad);
            Event e = fileEvent("/etc/shadow", "");
            assertSame(e, a.attenuate(e));
        }
        assertEquals(5L, byCause(a).get("malformed"));
        assertEquals(5L, a.status().get("requests"), "a malformed answer is not retried");
        assertEquals(5L, a.status().get("unattenuated"));
    }

    @Test
    void aCodeFenceAroundTheAnswerIsTolerated() throws Exception {
        model.answers(content("```json\n{\"is_false_positive\":false,\"confidence\":0.5,\"new_severity\":50}\n```"));
        Event out = attenuator().attenuate(fileEvent("/etc/shadow", ""));
        assertEquals("medium", out.attenuator().get("new_severity_level"));
        assertEquals("", out.attenuator().get("interpretation"));
    }

    @Test
    void serverErrorsAreRetriedThenTheEventGoesOn() throws Exception {
        model.answers(status(500));
        LlmAttenuator a = attenuator("retries", "2");
        Event e = fileEvent("/etc/shadow", "");
        assertSame(e, a.attenuate(e));
        assertEquals(3, model.count(), "one try and two retries");
        assertEquals(2L, a.status().get("retries"));
        assertEquals(1L, byCause(a).get("http_error"));

        model.answers(status(503), verdict(false, 0.8, 60));
        Event ok = a.attenuate(fileEvent("/etc/passwd", ""));
        assertEquals(60, ok.attenuator().get("new_severity"), "a retry that succeeds attenuates");
    }

    @Test
    void aRefusedTokenIsNotRetried() throws Exception {
        model.answers(status(401));
        LlmAttenuator a = attenuator();
        Event e = fileEvent("/etc/shadow", "");
        assertSame(e, a.attenuate(e));
        assertEquals(1, model.count());
        assertEquals(1L, byCause(a).get("http_error"));
        assertTrue(String.valueOf(a.status().get("last_error")).contains("refused the token"));
    }

    @Test
    void rateLimitsAreCountedAndRetryAfterIsHonoured() throws Exception {
        model.answers(withHeader(status(429), "Retry-After", "1"), verdict(false, 0.9, 50));
        LlmAttenuator a = attenuator("retries", "1", "budget", "5s");
        long t0 = System.nanoTime();
        Event out = a.attenuate(fileEvent("/etc/shadow", ""));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertNotNull(out.attenuator(), "the retry after the 429 got the verdict");
        assertTrue(ms >= 900, "waited for Retry-After: " + ms + " ms");

        model.answers(status(429));
        Event e = fileEvent("/etc/other", "");
        assertSame(e, a.attenuate(e));
        assertEquals(1L, byCause(a).get("rate_limited"));
    }

    @Test
    void aSlowModelCostsTheBudgetAndNoMore() throws Exception {
        model.answers(delayed(verdict(false, 0.9, 80), 5_000));
        LlmAttenuator a = attenuator("budget", "1s");
        Event e = fileEvent("/etc/shadow", "");
        long t0 = System.nanoTime();
        Event out = a.attenuate(e);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertSame(e, out);
        assertTrue(ms < 1_000 && ms >= 700, "answered in " + ms + " ms with a 1 s budget");
        assertEquals(1L, byCause(a).get("timeout"));
    }

    @Test
    void anUnreachableEndpointIsCounted() throws Exception {
        String url = model.url();
        model.close();
        Map<String, Object> p = new HashMap<>(Map.of("jibril.entry", "x", "url", url, "token", TOKEN, "backoff", "10ms",
                "budget", "2s"));
        LlmAttenuator a = new LlmAttenuator(Settings.from(p, Map.of()), log::add);
        opened.add(a);
        Event e = fileEvent("/etc/shadow", "");
        long t0 = System.nanoTime();
        assertSame(e, a.attenuate(e));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2_000);
        assertEquals(1L, byCause(a).get("unreachable"));
    }

    @Test
    void theBreakerStopsCallingAFailingEndpointForAWhile() throws Exception {
        model.answers(status(500));
        LlmAttenuator a = attenuator("retries", "0", "breaker-failures", "2", "breaker-time", "600ms");
        a.attenuate(fileEvent("/a", ""));
        a.attenuate(fileEvent("/b", ""));
        assertEquals(2, model.count());
        Event e = fileEvent("/c", "");
        assertSame(e, a.attenuate(e));
        assertEquals(2, model.count(), "open: no call");
        assertEquals(1L, byCause(a).get("breaker_open"));
        @SuppressWarnings("unchecked")
        Map<String, Object> breaker = (Map<String, Object>) a.status().get("breaker");
        assertEquals(1L, breaker.get("opened"));

        Thread.sleep(700);
        model.answers(verdict(false, 0.9, 70));
        assertNotNull(a.attenuate(fileEvent("/d", "")).attenuator(), "after the pause one trial call goes out");
        assertNotNull(a.attenuate(fileEvent("/e", "")).attenuator(), "and its success closes the breaker");
        assertEquals(4, model.count());
    }

    @Test
    void aThousandIdenticalDetectionsCostOneCall() throws Exception {
        model.answers(delayed(verdict(true, 0.9, 10), 300));
        LlmAttenuator a = attenuator();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Callable<Event>> jobs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                Event e = fileEvent("/etc/shadow", "/etc/shadow");
                jobs.add(() -> a.attenuate(e));
            }
            for (Future<Event> f : pool.invokeAll(jobs)) {
                assertEquals(true, f.get().attenuator().get("is_false_positive"));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, model.count(), "identical detections share one call");
        assertEquals(1000L, a.status().get("attenuated"));
        long shared = (Long) a.status().get("cache_hits") + (Long) a.status().get("coalesced");
        assertEquals(999L, shared);

        a.attenuate(fileEvent("/etc/gshadow", "/etc/shadow"));
        a.attenuate(fileEvent("/etc/shadow", "-n /etc/shadow"));
        assertEquals(3, model.count(), "another file or other arguments are another detection");
    }

    @Test
    void theTokenAppearsNowhereButTheHeader() throws Exception {
        LlmAttenuator a = attenuator("mode", "reason", "retries", "1", "budget", "1s", "cache-time", "0");
        List<Event> out = new ArrayList<>();
        for (FakeModel.Answer ans : List.of(verdict(false, 0.9, 80), content("junk"), status(500), status(401),
                withHeader(status(429), "Retry-After", "0"), delayed(verdict(true, 1, 0), 3_000),
                content("{\"is_false_positive\":true,\"confidence\":1,\"new_severity\":0,\"interpretation\":\"" + TOKEN
                        + "\"}"))) {
            model.answers(ans);
            out.add(a.attenuate(fileEvent("/etc/shadow", "")));
        }
        assertEquals(7, out.size());
        String everything = GSON.toJson(out) + a.status() + log + a.settings() + a.settings().describe();
        // the last answer echoes the token into the interpretation; it must not come back
        assertFalse(everything.contains(TOKEN), everything);
        assertFalse(log.isEmpty(), "failures were logged");
        for (FakeModel.Request r : model.requests) {
            assertEquals(List.of("Bearer " + TOKEN), r.headers().get("Authorization"));
            assertFalse(r.body().contains(TOKEN));
        }
    }
}
