package jibril.core.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Liveness and readiness as JSON on loopback: {@code GET /health/live} (200 while the daemon runs),
 * {@code GET /health/ready} (200 when every bundle is active and every part ready, else 503) and
 * {@code GET /status} (the whole {@code jibril:status} report) and {@code GET /metrics} (its numbers in the
 * Prometheus text format). The port follows the configuration live.
 */
@Component(immediate = true, configurationPid = HealthServer.PID)
@Designate(ocd = HealthServer.Config.class)
public class HealthServer {

    static final String PID = "jibril.runtime";

    @ObjectClassDefinition(name = "Jibril run-time: health endpoint")
    @interface Config {
        @AttributeDefinition(name = "health.enabled")
        boolean health_enabled() default true;

        @AttributeDefinition(name = "health.port", min = "0", max = "65535")
        int health_port() default 9773;
    }

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference
    private StatusReport report;

    private final Gson gson = new GsonBuilder().setPrettyPrinting().create();
    private HttpServer server;
    private int port = -1;

    @Activate
    void activate(Config config) {
        modified(config);
    }

    @Modified
    synchronized void modified(Config config) {
        int wanted = config.health_enabled() ? config.health_port() : -1;
        if (wanted == port && server != null) {
            return;
        }
        stop();
        if (wanted < 0) {
            return;
        }
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 16);
            s.createContext("/health/live", ex -> reply(ex, 200, Map.of("status", "UP")));
            s.createContext("/health/ready", ex -> {
                boolean ready = report.ready();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", ready ? "UP" : "DOWN");
                body.putAll(report.status());
                reply(ex, ready ? 200 : 503, body);
            });
            s.createContext("/status", ex -> reply(ex, 200, report.status()));
            s.createContext("/metrics", ex -> {
                byte[] bytes = Metrics.prometheus(report.status()).getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
                ex.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            });
            s.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "jibril-health");
                t.setDaemon(true);
                return t;
            }));
            s.start();
            server = s;
            port = s.getAddress().getPort();
            logger.info("health endpoint on http://127.0.0.1:{}/health/ready", port);
        } catch (IOException e) {
            logger.error("health endpoint cannot listen on 127.0.0.1:{}: {} (change run-time.health-port)", wanted,
                    e.getMessage());
        }
    }

    private void reply(HttpExchange ex, int code, Object body) throws IOException {
        byte[] bytes = gson.toJson(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Deactivate
    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
            server = null;
            port = -1;
        }
    }
}
