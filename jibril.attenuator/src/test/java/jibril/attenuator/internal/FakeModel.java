package jibril.attenuator.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on loopback that speaks the chat-completions protocol: each request takes the next scripted
 * {@link Answer} (the last one repeats), and every request is recorded (headers and body).
 */
final class FakeModel implements AutoCloseable {

    /** One scripted answer: HTTP status, extra headers, body, and a delay before answering. */
    record Answer(int status, Map<String, String> headers, String body, long delayMs) {
    }

    /** What the server received. */
    record Request(String method, String path, Map<String, List<String>> headers, String body) {
    }

    private final HttpServer server;
    private final List<Answer> script = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger next = new AtomicInteger();
    final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    FakeModel() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-model");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/chat/completions";
    }

    /** Replaces the script. */
    FakeModel answers(Answer... answers) {
        script.clear();
        script.addAll(List.of(answers));
        next.set(0);
        return this;
    }

    int count() {
        return requests.size();
    }

    static Answer verdict(boolean falsePositive, double confidence, int severity) {
        JsonObject v = new JsonObject();
        v.addProperty("is_false_positive", falsePositive);
        v.addProperty("confidence", confidence);
        v.addProperty("new_severity", severity);
        v.addProperty("interpretation", falsePositive ? "Routine activity of a package manager." : "Looks like theft.");
        v.addProperty("thinking", "The ancestry shows the process came from a login shell.");
        return content(v.toString());
    }

    /** A 200 whose message content is the given text. */
    static Answer content(String content) {
        JsonObject message = new JsonObject();
        message.addProperty("role", "assistant");
        message.addProperty("content", content);
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.add("message", message);
        choice.addProperty("finish_reason", "stop");
        JsonArray choices = new JsonArray();
        choices.add(choice);
        JsonObject body = new JsonObject();
        body.addProperty("id", "chatcmpl-test");
        body.addProperty("object", "chat.completion");
        body.add("choices", choices);
        return new Answer(200, Map.of(), body.toString(), 0);
    }

    static Answer status(int status) {
        return new Answer(status, Map.of(), "{\"error\":{\"message\":\"status " + status + "\"}}", 0);
    }

    static Answer delayed(Answer a, long ms) {
        return new Answer(a.status(), a.headers(), a.body(), ms);
    }

    static Answer withHeader(Answer a, String name, String value) {
        return new Answer(a.status(), Map.of(name, value), a.body(), a.delayMs());
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(x.getRequestMethod(), x.getRequestURI().getPath(), Map.copyOf(x.getRequestHeaders()),
                    body));
            Answer a;
            synchronized (script) {
                int i = next.getAndIncrement();
                a = script.isEmpty() ? status(500) : script.get(Math.min(i, script.size() - 1));
            }
            if (a.delayMs() > 0) {
                try {
                    Thread.sleep(a.delayMs());
                } catch (InterruptedException e) {
                    return;
                }
            }
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            a.headers().forEach((k, v) -> x.getResponseHeaders().add(k, v));
            x.sendResponseHeaders(a.status(), out.length);
            try (OutputStream os = x.getResponseBody()) {
                os.write(out);
            } catch (IOException clientGone) {
                // the attenuator gave up waiting
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
