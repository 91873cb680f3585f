package jibril.printers.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;

import org.osgi.service.log.Logger;

/**
 * Delivers what the http printer spooled: one thread takes the oldest records from the {@link Spool}, POSTs them as
 * one batch, and marks them delivered only when the endpoint answers 2xx; otherwise it waits (1 s, 2 s, 4 s…, capped)
 * and sends the same records again, so they arrive in order and once. Each request carries
 * {@code X-Jibril-Seq: <first>-<last>} (spool sequence numbers, which go on across restarts) so that a receiver can
 * drop the one batch a crash between its answer and our commit would send twice. State changes are logged once
 * (down, back, refused credentials), not per retry.
 */
final class HttpDelivery {

    /** The signature header: {@code sha256=<hex HMAC-SHA256 of the body as sent, with the shared secret>}. */
    static final String SIGNATURE = "X-Jibril-Signature";
    /** The spool sequence numbers of the batch's first and last event: {@code <first>-<last>}. */
    static final String SEQ = "X-Jibril-Seq";

    /**
     * How to deliver.
     *
     * @param url        where to POST
     * @param ndjson     one event a line ({@code application/x-ndjson}) instead of a JSON array
     * @param gzip       compress the body ({@code Content-Encoding: gzip})
     * @param token      {@code Authorization: Bearer <token>}, or null
     * @param hmacSecret key of the {@link #SIGNATURE} header, or null
     * @param ssl        TLS context trusting the configured CA, or null for the JDK's trust store
     * @param timeout    how long one request may take
     * @param backoff    the first wait after a failure
     * @param backoffMax the longest wait
     * @param batchSize  events in one request at most
     */
    record Settings(URI url, boolean ndjson, boolean gzip, String token, byte[] hmacSecret, SSLContext ssl,
            Duration timeout, Duration backoff, Duration backoffMax, int batchSize) {
    }

    /** The largest body (before compression) one request carries, unless one event alone is larger. */
    static final long BATCH_BYTES = 4 << 20;

    private final Settings settings;
    private final Spool spool;
    private final Logger logger;
    private final HttpClient client;
    private final Thread thread;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean running = true;
    private volatile String state = "idle";
    private volatile String lastError = "";
    private volatile Instant lastDelivery;
    private volatile Instant failingSince;

    HttpDelivery(Settings settings, Spool spool, Logger logger) {
        this.settings = settings;
        this.spool = spool;
        this.logger = logger;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? settings.timeout()
                        : Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER);
        if (settings.ssl() != null) {
            b.sslContext(settings.ssl());
        }
        client = b.build();
        thread = new Thread(this::run, "jibril-printer-http-delivery");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops delivering (what is spooled stays for the next start); waits up to 5 s. */
    void stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.shutdownNow();
    }

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", settings.url().toString());
        m.put("state", state);
        m.put("delivered", delivered.get());
        m.put("requests", requests.get());
        m.put("failed_requests", failures.get());
        m.put("last_error", lastError);
        m.put("last_delivery", lastDelivery == null ? "" : lastDelivery.toString());
        return m;
    }

    String state() {
        return state;
    }

    String lastError() {
        return lastError;
    }

    long delivered() {
        return delivered.get();
    }

    private void run() {
        int attempt = 0;
        while (running) {
            try {
                if (!spool.awaitRecords(1_000)) {
                    continue;
                }
                Spool.Batch batch = spool.peek(settings.batchSize(), BATCH_BYTES);
                if (batch.isEmpty()) {
                    continue;
                }
                if (send(batch)) {
                    spool.commit(batch);
                    delivered.addAndGet(batch.records().size());
                    lastDelivery = Instant.now();
                    if (attempt > 0) {
                        logger.info("printer http: {} answers again; delivering the {} events spooled meanwhile "
                                + "(it failed for {} s)", settings.url(), spool.pending() + batch.records().size(),
                                Duration.between(failingSince, Instant.now()).toSeconds());
                    }
                    attempt = 0;
                    state = "ok";
                    continue;
                }
                attempt++;
                if (attempt == 1) {
                    failingSince = Instant.now();
                }
                Thread.sleep(backoff(attempt));
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // The spool itself failed (disk): say so, wait, try again.
                failures.incrementAndGet();
                state = "failing";
                lastError = "spool: " + e;
                logger.error("printer http: cannot read the spool", e);
                try {
                    Thread.sleep(settings.backoffMax().toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** The wait before attempt {@code n+1}: backoff × 2^(n-1), capped, with up to 10 % jitter. */
    long backoff(int attempt) {
        long base = settings.backoff().toMillis();
        long cap = settings.backoffMax().toMillis();
        long wait = attempt >= 31 ? cap : Math.min(cap, base << Math.min(attempt - 1, 30));
        return wait + ThreadLocalRandom.current().nextLong(wait / 10 + 1);
    }

    /** One POST of the batch; true when the endpoint took it (2xx). Failures set state and log. */
    private boolean send(Spool.Batch batch) throws InterruptedException {
        requests.incrementAndGet();
        byte[] body;
        try {
            body = body(batch);
        } catch (IOException e) {
            fail("failing", "cannot encode a batch: " + e);
            return false;
        }
        HttpRequest.Builder r = HttpRequest.newBuilder(settings.url()).timeout(settings.timeout())
                .header("Content-Type", settings.ndjson() ? "application/x-ndjson" : "application/json")
                .header("User-Agent", "jibril")
                .header(SEQ, batch.firstSeq() + "-" + batch.lastSeq())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (settings.gzip()) {
            r.header("Content-Encoding", "gzip");
        }
        if (settings.token() != null) {
            r.header("Authorization", "Bearer " + settings.token());
        }
        if (settings.hmacSecret() != null) {
            r.header(SIGNATURE, "sha256=" + sign(settings.hmacSecret(), body));
        }
        int code;
        try {
            code = client.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            fail("failing", describe(e));
            return false;
        }
        if (code >= 200 && code < 300) {
            return true;
        }
        if (code == 401 || code == 403) {
            fail("unauthorized", "HTTP " + code + (code == 401 ? " Unauthorized" : " Forbidden")
                    + ": the endpoint refused the credentials; check the token or hmac-secret");
        } else {
            fail("failing", "HTTP " + code);
        }
        return false;
    }

    private void fail(String newState, String error) {
        failures.incrementAndGet();
        boolean changed = !newState.equals(state) || !error.equals(lastError);
        state = newState;
        lastError = error;
        if (changed) {
            if (newState.equals("unauthorized")) {
                logger.error("printer http: {} refused our credentials ({}); events stay in the spool ({} waiting) "
                        + "and are sent once the credentials are fixed", settings.url(), error, spool.pending());
            } else {
                logger.warn("printer http: cannot deliver to {}: {}; events stay in the spool ({} waiting) and are "
                        + "retried with backoff up to {} s", settings.url(), error, spool.pending(),
                        settings.backoffMax().toSeconds());
            }
        }
    }

    private static String describe(IOException e) {
        String what = e.getClass().getSimpleName();
        String msg = e.getMessage();
        if (msg == null && e.getCause() != null) {
            msg = e.getCause().toString();
        }
        return what + (msg == null ? "" : ": " + msg);
    }

    private byte[] body(Spool.Batch batch) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream((int) Math.min(batch.bytes() + 16, Integer.MAX_VALUE));
        if (settings.ndjson()) {
            for (byte[] rec : batch.records()) {
                raw.write(rec);
                raw.write('\n');
            }
        } else {
            raw.write('[');
            boolean firstOne = true;
            for (byte[] rec : batch.records()) {
                if (!firstOne) {
                    raw.write(',');
                }
                raw.write(rec);
                firstOne = false;
            }
            raw.write(']');
        }
        if (!settings.gzip()) {
            return raw.toByteArray();
        }
        ByteArrayOutputStream zipped = new ByteArrayOutputStream(raw.size() / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            raw.writeTo(gz);
        }
        return zipped.toByteArray();
    }

    /** Hex HMAC-SHA256 of {@code body} with {@code secret}. */
    static String sign(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
