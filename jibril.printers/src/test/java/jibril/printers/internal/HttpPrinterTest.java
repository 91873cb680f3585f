package jibril.printers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import jibril.core.api.Event;
import jibril.core.api.Printer;

/**
 * The http printer against a real HTTP server on loopback that checks the bearer token and the HMAC signature the
 * way a receiver would: the endpoint away for 10 s under a steady load, then back; a wrong token; a slow endpoint
 * next to another printer; a full spool; TLS with a configured CA.
 */
class HttpPrinterTest {

    @TempDir
    Path dir;

    private final Components.Recording log = new Components.Recording();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** What a webhook receiver does: checks credentials, unpacks the batch, keeps the events' numbers in order. */
    static final class Receiver implements AutoCloseable {
        final int port;
        final String token;
        final byte[] secret;
        final List<Integer> got = new CopyOnWriteArrayList<>();
        final List<String> seqs = new CopyOnWriteArrayList<>();
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        private long highest;
        volatile CountDownLatch hold;
        private HttpServer server;
        private SSLContext tls;

        Receiver(int port, String token, String secret) {
            this.port = port;
            this.token = token;
            this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        }

        Receiver tls(SSLContext context) {
            tls = context;
            return this;
        }

        Receiver start() throws IOException {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", port);
            if (tls != null) {
                HttpsServer s = HttpsServer.create(at, 0);
                s.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = s;
            } else {
                server = HttpServer.create(at, 0);
            }
            server.createContext("/ingest", this::handle);
            server.setExecutor(Executors.newFixedThreadPool(2));
            server.start();
            return this;
        }

        void stop() {
            if (server != null) {
                server.stop(0);
                ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
                server = null;
            }
        }

        @Override
        public void close() {
            stop();
        }

        private void handle(HttpExchange x) throws IOException {
            requests.incrementAndGet();
            try (x) {
                CountDownLatch h = hold;
                if (h != null) {
                    h.await(60, TimeUnit.SECONDS);
                }
                byte[] body = x.getRequestBody().readAllBytes();
                boolean ok = token == null || ("Bearer " + token).equals(x.getRequestHeaders().getFirst("Authorization"));
                if (secret != null) {
                    String sig = x.getRequestHeaders().getFirst(HttpDelivery.SIGNATURE);
                    ok &= ("sha256=" + HttpDelivery.sign(secret, body)).equals(sig);
                }
                if (!ok) {
                    refused.incrementAndGet();
                    x.sendResponseHeaders(401, -1);
                    return;
                }
                InputStream in = new java.io.ByteArrayInputStream(body);
                if ("gzip".equals(x.getRequestHeaders().getFirst("Content-Encoding"))) {
                    in = new GZIPInputStream(in);
                }
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                List<JsonElement> events = new ArrayList<>();
                if (x.getRequestHeaders().getFirst("Content-Type").equals("application/x-ndjson")) {
                    text.lines().forEach(l -> events.add(JsonParser.parseString(l)));
                } else {
                    JsonParser.parseString(text).getAsJsonArray().forEach(events::add);
                }
                // A batch whose answer the printer never got (the endpoint went away in between) comes again, maybe
                // as part of a larger batch: an idempotent receiver keeps each event's seq (first + index in the
                // batch) once, as the README tells users to, and acknowledges the rest.
                String[] range = x.getRequestHeaders().getFirst(HttpDelivery.SEQ).split("-");
                long first = Long.parseLong(range[0]);
                long last = Long.parseLong(range[1]);
                synchronized (this) {
                    long from = Math.max(first, highest + 1);
                    if (from > first) {
                        duplicates.incrementAndGet();
                    }
                    if (from <= last) {
                        seqs.add(from + "-" + last);
                        for (int i = (int) (from - first); i < events.size(); i++) {
                            got.add(Integer.parseInt(events.get(i).getAsJsonObject().get("uuid").getAsString()
                                    .substring(2)));
                        }
                        highest = last;
                    }
                }
                x.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Event event(int i) {
        return new Event("e-" + i, "2026-11-25T10:00:00Z", "event " + i, null, null, null, null, null);
    }

    private HttpPrinter printer(Map<String, String> options) throws Exception {
        Map<String, Object> props = new HashMap<>(options);
        props.put("jibril.entry", "jibril:printers:http");
        props.put("service.pid", HttpPrinter.PID);
        HttpPrinter p = new HttpPrinter();
        Components.inject(p, "logger", log.logger);
        p.activate(Components.config(HttpPrinter.Config.class, options), props);
        cleanup.add(p::deactivate);
        return p;
    }

    private Map<String, String> options(int port, String... more) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("url", "http://127.0.0.1:" + port + "/ingest");
        o.put("spool", dir.resolve("spool").toString());
        o.put("backoff", "100ms");
        o.put("backoff-max", "1s");
        o.put("timeout", "10s");
        for (int i = 0; i + 1 < more.length; i += 2) {
            o.put(more[i], more[i + 1]);
        }
        return o;
    }

    private static boolean waitFor(long millis, BooleanSupplier c) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (c.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return c.getAsBoolean();
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            r.add(i);
        }
        return r;
    }

    private PrinterWhiteboard whiteboard() throws Exception {
        PrinterWhiteboard w = new PrinterWhiteboard(log.logger);
        cleanup.add(w::deactivate);
        return w;
    }

    /** Seq headers must cover 1..n with no gap and no overlap: each event was sent in exactly one accepted batch. */
    private static void assertContiguous(List<String> seqs, int n) {
        long next = 1;
        for (String s : seqs) {
            String[] ab = s.split("-");
            assertEquals(next, Long.parseLong(ab[0]), "batches " + seqs);
            next = Long.parseLong(ab[1]) + 1;
        }
        assertEquals(n + 1, next, "batches " + seqs);
    }

    @Test
    void anEndpointDownForTenSecondsUnderLoadGetsEveryEventInOrderOnceWhenItIsBack() throws Exception {
        int port = freePort();
        Receiver receiver = new Receiver(port, "t0ken", "shared-secret").start();
        cleanup.add(receiver);
        HttpPrinter http = printer(options(port, "token", "t0ken", "hmac-secret", "shared-secret", "batch-size", "50"));
        PrinterWhiteboard whiteboard = whiteboard();
        List<Integer> other = new CopyOnWriteArrayList<>();
        whiteboard.addPrinter(http, Map.of(Printer.NAME, "http"));
        whiteboard.addPrinter(e -> other.add(Integer.parseInt(e.uuid().substring(2))), Map.of(Printer.NAME, "other"));

        // A steady load of 200 events/s for 14 s: 2 s up, 10 s down, 2 s up again.
        AtomicLong slowest = new AtomicLong();
        AtomicInteger published = new AtomicInteger();
        Thread load = new Thread(() -> {
            long start = System.nanoTime();
            for (int i = 0; System.nanoTime() - start < TimeUnit.SECONDS.toNanos(14); i++) {
                long t0 = System.nanoTime();
                whiteboard.publish(event(i));
                slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                published.incrementAndGet();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        load.start();
        Thread.sleep(2_000);
        receiver.stop();
        int beforeDown = receiver.got.size();
        Thread.sleep(10_000);
        assertEquals(beforeDown, receiver.got.size());
        assertTrue(http.status().get("state").equals("failing"), http.status().toString());
        assertTrue((long) http.status().get("spooled") > 1_000, http.status().toString());
        receiver.start();
        load.join();
        int n = published.get();
        assertTrue(waitFor(20_000, () -> receiver.got.size() >= n), receiver.got.size() + " of " + n + "; "
                + http.status());
        Thread.sleep(300);
        assertEquals(range(n), receiver.got, "in order, each once");
        assertContiguous(receiver.seqs, n);
        assertTrue(receiver.duplicates.get() <= 1, "at most the batch in flight when the endpoint went away comes again: "
                + receiver.duplicates.get());
        assertEquals(0, receiver.refused.get(), "every request carried the token and a valid signature");
        assertEquals("ok", http.status().get("state"));
        assertEquals((long) n, http.status().get("delivered"));
        assertEquals(0L, http.status().get("lost"));
        assertTrue(waitFor(5_000, () -> other.size() == n));
        assertEquals(range(n), other, "the other printer got everything, undisturbed");
        assertTrue(TimeUnit.NANOSECONDS.toMillis(slowest.get()) < 100, "publish took up to "
                + TimeUnit.NANOSECONDS.toMillis(slowest.get()) + " ms");
        assertTrue(log.contains("WARN printer http: cannot deliver to http://127.0.0.1:" + port), log.lines.toString());
        assertTrue(log.contains("answers again"), log.lines.toString());
        // Down for 10 s with capped backoff: a handful of log lines, not one per retry.
        assertTrue(log.lines.stream().filter(l -> l.contains("cannot deliver")).count() <= 3, log.lines.toString());
    }

    @Test
    void aWrongTokenIsReportedClearlyAndTheEventsWaitForTheRightOne() throws Exception {
        int port = freePort();
        Receiver receiver = new Receiver(port, "right", null).start();
        cleanup.add(receiver);
        HttpPrinter wrong = printer(options(port, "token", "wrong", "format", "ndjson", "gzip", "false"));
        for (int i = 0; i < 100; i++) {
            wrong.print(event(i));
        }
        assertTrue(waitFor(5_000, () -> "unauthorized".equals(wrong.status().get("state"))), wrong.status().toString());
        assertTrue(String.valueOf(wrong.status().get("last_error")).startsWith("HTTP 401 Unauthorized: the endpoint "
                + "refused the credentials"), wrong.status().toString());
        assertTrue(log.contains("ERROR printer http: http://127.0.0.1:" + port + "/ingest refused our credentials"),
                log.lines.toString());
        assertEquals(List.of(), receiver.got);
        wrong.deactivate();
        cleanup.clear();
        cleanup.add(receiver);

        // The token fixed (the config changed): the spooled events go out, in order, once.
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "right\n");
        HttpPrinter right = printer(options(port, "token-file", tokenFile.toString(), "format", "ndjson"));
        assertTrue(waitFor(10_000, () -> receiver.got.size() == 100), receiver.got.size() + "; " + right.status());
        assertEquals(range(100), receiver.got);
        assertEquals("ok", right.status().get("state"));
    }

    @Test
    void aBlockedEndpointNeitherSlowsPublishNorTheOtherPrinters() throws Exception {
        int port = freePort();
        Receiver receiver = new Receiver(port, null, null);
        receiver.hold = new CountDownLatch(1);
        receiver.start();
        cleanup.add(receiver);
        HttpPrinter http = printer(options(port, "timeout", "60s"));
        PrinterWhiteboard whiteboard = whiteboard();
        List<Integer> other = new CopyOnWriteArrayList<>();
        whiteboard.addPrinter(http, Map.of(Printer.NAME, "http"));
        whiteboard.addPrinter(e -> other.add(1), Map.of(Printer.NAME, "other"));
        int n = 20_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            whiteboard.publish(event(i));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 2_000, "publishing " + n + " events took " + ms + " ms");
        assertTrue(waitFor(10_000, () -> other.size() == n), "other printer: " + other.size());
        assertTrue(waitFor(10_000, () -> (long) http.status().get("spooled") == n), http.status().toString());
        assertEquals(0, receiver.got.size());
        receiver.hold.countDown();
        receiver.hold = null;
        assertTrue(waitFor(20_000, () -> receiver.got.size() == n), receiver.got.size() + "; " + http.status());
        assertEquals(range(n), receiver.got);
        Map<String, Object> status = whiteboard.status();
        @SuppressWarnings("unchecked")
        Map<String, Object> h = (Map<String, Object>) status.get("http");
        assertEquals(0L, h.get("dropped"));
        assertEquals((long) n, h.get("delivered"), "the whiteboard shows the printer's own figures: " + h);
    }

    @Test
    void pastTheSpoolLimitTheLossIsCountedAndLoggedAndTheRestArrivesInOrder() throws Exception {
        int port = freePort();
        HttpPrinter http = printer(options(port, "spool-max", "64K"));
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            http.print(event(i));
        }
        long lost = (long) http.status().get("lost");
        assertTrue(lost > 0 && lost < n, http.status().toString());
        assertTrue((long) http.status().get("spool_bytes") <= 64 << 10, http.status().toString());
        assertTrue(log.contains("ERROR printer http: the spool is full"), log.lines.toString());
        assertEquals(1, log.lines.stream().filter(l -> l.contains("the spool is full")).count(), "logged once");
        Receiver receiver = new Receiver(port, null, null).start();
        cleanup.add(receiver);
        int kept = (int) (n - lost);
        assertTrue(waitFor(10_000, () -> receiver.got.size() == kept), receiver.got.size() + "; " + http.status());
        assertEquals(range(kept), receiver.got, "the oldest, in order; the newest were the ones lost");
        // the receiver counts a batch before the printer has committed it: wait for the spool to be empty
        assertTrue(waitFor(10_000, () -> (long) http.status().get("spooled") == 0), http.status().toString());
        http.print(event(n));
        assertTrue(waitFor(5_000, () -> log.contains("the spool takes events again; " + lost + " event(s) were lost")),
                log.lines.toString());
    }

    @Test
    void httpsTrustsTheConfiguredCa() throws Exception {
        Path ks = dir.resolve("server.p12");
        Path pem = dir.resolve("ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", ks.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", pem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        int port = freePort();
        Receiver receiver = new Receiver(port, null, null).tls(server).start();
        cleanup.add(receiver);
        Map<String, String> o = options(port, "ca", pem.toString());
        o.put("url", "https://127.0.0.1:" + port + "/ingest");
        HttpPrinter trusting = printer(o);
        trusting.print(event(0));
        assertTrue(waitFor(10_000, () -> receiver.got.size() == 1), trusting.status().toString());
        trusting.deactivate();
        cleanup.remove(cleanup.size() - 1);

        // Without the CA the server is not trusted: nothing is delivered and the status says why.
        o.remove("ca");
        o.put("spool", dir.resolve("spool2").toString());
        HttpPrinter untrusting = printer(o);
        untrusting.print(event(1));
        assertTrue(waitFor(10_000, () -> "failing".equals(untrusting.status().get("state"))), untrusting.status().toString());
        assertTrue(String.valueOf(untrusting.status().get("last_error")).contains("SSLHandshakeException"),
                untrusting.status().toString());
        assertEquals(List.of(0), receiver.got);
    }

    @Test
    void badOptionsNameTheOptionAndWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> printer(Map.of()));
        assertEquals("printer http: option url=: expected a value (it is required)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> printer(Map.of("url", "ftp://x/y")));
        assertEquals("printer http: option url=ftp://x/y: expected an http:// or https:// URL with a host",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> printer(Map.of("url", "http://x/y", "spool-max", "lots")));
        assertEquals("printer http: option spool-max=lots: expected a size such as 1048576, 512K, 100M or 1G",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> printer(Map.of("url", "http://x/y", "tokn", "a")));
        assertTrue(e.getMessage().startsWith("printer http: unknown option tokn (it knows "), e.getMessage());
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    }
}
