package jibril.printers.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.core.api.Event;
import jibril.core.api.Printer;
import jibril.core.api.StatusSource;

/**
 * {@code jibril:printers:http:url=https://host/path}: POSTs events in batches (a JSON array, or NDJSON; gzip) with
 * a bearer token and/or an HMAC-SHA256 signature of the body, over TLS trusting a configured CA. Every event first
 * goes to a bounded on-disk {@link Spool}, so printing never waits on the network; {@link HttpDelivery} sends from
 * there in order and retries with backoff while the endpoint is slow, down or refusing us. Past {@code spool-max}
 * events are lost, counted and logged.
 */
@Component(service = Printer.class, configurationPid = HttpPrinter.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = Printer.NAME + "=http")
public class HttpPrinter implements Printer, StatusSource {

    static final String PID = "jibril.printer.http";
    static final String DEFAULT_SPOOL = "/var/lib/jibril/spool/http";

    @ObjectClassDefinition(name = "Jibril http printer")
    @interface Config {
        @AttributeDefinition(description = "Where to POST (http:// or https://; required)")
        String url() default "";

        @AttributeDefinition(description = "json (an array per request) or ndjson (one event a line)")
        String format() default "json";

        @AttributeDefinition(description = "Compress request bodies (Content-Encoding: gzip)")
        String gzip() default "true";

        @AttributeDefinition(description = "Bearer token (Authorization header)")
        String token() default "";

        @AttributeDefinition(description = "File holding the bearer token (keeps it out of config.yaml)")
        String token$_$file() default "";

        @AttributeDefinition(description = "Shared secret of the X-Jibril-Signature header (HMAC-SHA256 of the body)")
        String hmac$_$secret() default "";

        @AttributeDefinition(description = "File holding the shared secret")
        String hmac$_$secret$_$file() default "";

        @AttributeDefinition(description = "PEM file of the CA (or certificate) to trust for https; default: the JDK's")
        String ca() default "";

        @AttributeDefinition(description = "Directory of the spool")
        String spool() default DEFAULT_SPOOL;

        @AttributeDefinition(description = "Most bytes the spool holds on disk; past it events are lost and counted")
        String spool$_$max() default "256M";

        @AttributeDefinition(description = "Most events in one request")
        String batch$_$size() default "500";

        @AttributeDefinition(description = "How long one request may take")
        String timeout() default "30s";

        @AttributeDefinition(description = "First wait after a failed request; doubled each time")
        String backoff() default "1s";

        @AttributeDefinition(description = "Longest wait between attempts")
        String backoff$_$max() default "60s";
    }

    static final Set<String> KEYS = Set.of("url", "format", "gzip", "token", "token-file", "hmac-secret",
            "hmac-secret-file", "ca", "spool", "spool-max", "batch-size", "timeout", "backoff", "backoff-max");

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private final EventJson json = new EventJson();
    private final AtomicLong lost = new AtomicLong();
    private boolean full;
    private Spool spool;
    private HttpDelivery delivery;

    @Activate
    void activate(Config c, Map<String, Object> props) throws IOException {
        String name = String.valueOf(props.getOrDefault(Printer.NAME, "http"));
        Options o = new Options(name);
        o.onlyKnown(props, KEYS);
        HttpDelivery.Settings settings = settings(o, c);
        long max = o.size("spool-max", c.spool$_$max());
        if (max < 64 << 10) {
            throw o.problem("spool-max", c.spool$_$max(), "at least 64K");
        }
        // An instance of the kind (type=http under another name) has a spool of its own by default.
        String spoolDir = name.equals("http") || !c.spool().equals(DEFAULT_SPOOL) ? c.spool()
                : Path.of(DEFAULT_SPOOL).resolveSibling(name).toString();
        spool = new Spool(o.path("spool", spoolDir), max, Math.max(64 << 10, Math.min(max / 8, 16 << 20)));
        delivery = new HttpDelivery(settings, spool, logger);
        delivery.start();
        logger.info("printer {} posts to {} ({} events waiting in the spool {})", name, settings.url(), spool.pending(),
                spoolDir);
    }

    /** The delivery settings from the options; every problem names its option. */
    static HttpDelivery.Settings settings(Options o, Config c) throws IOException {
        String url = o.required("url", c.url());
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw o.problem("url", url, "a URL (" + e.getReason() + ")");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw o.problem("url", url, "an http:// or https:// URL with a host");
        }
        boolean ndjson = o.oneOf("format", c.format(), "json", "ndjson").equals("ndjson");
        String token = secret(o, "token", c.token(), "token-file", c.token$_$file());
        String hmac = secret(o, "hmac-secret", c.hmac$_$secret(), "hmac-secret-file", c.hmac$_$secret$_$file());
        SSLContext ssl = null;
        if (!c.ca().isBlank()) {
            if (!"https".equals(uri.getScheme())) {
                throw o.problem("ca", c.ca(), "no ca with an http:// URL (use https://)");
            }
            ssl = Tls.trusting(o.path("ca", c.ca()));
        }
        var timeout = o.duration("timeout", c.timeout());
        var backoff = o.duration("backoff", c.backoff());
        var backoffMax = o.duration("backoff-max", c.backoff$_$max());
        if (timeout.isZero() || backoff.isZero() || backoffMax.compareTo(backoff) < 0) {
            throw o.problem("timeout/backoff/backoff-max", c.timeout() + "/" + c.backoff() + "/" + c.backoff$_$max(),
                    "durations above zero, backoff-max at least backoff");
        }
        return new HttpDelivery.Settings(uri, ndjson, o.bool("gzip", c.gzip()), token,
                hmac == null ? null : hmac.getBytes(StandardCharsets.UTF_8), ssl, timeout, backoff, backoffMax,
                o.integer("batch-size", c.batch$_$size(), 1, 100_000));
    }

    /** A secret given inline or in a file (not both); null when neither. */
    private static String secret(Options o, String key, String inline, String fileKey, String file)
            throws IOException {
        if (!inline.isBlank() && !file.isBlank()) {
            throw o.problem(key, "...", "either " + key + " or " + fileKey + ", not both");
        }
        if (!file.isBlank()) {
            String s = Files.readString(o.path(fileKey, file), StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw o.problem(fileKey, file, "a file that holds the secret (it is empty)");
            }
            return s;
        }
        return inline.isBlank() ? null : inline.strip();
    }

    /** Spools the event; never waits on the network. A full spool loses it, counted and logged. */
    @Override
    public void print(Event event) throws IOException {
        if (spool.append(json.toJson(event).getBytes(StandardCharsets.UTF_8))) {
            if (full) {
                full = false;
                logger.warn("printer http: the spool takes events again; {} event(s) were lost while it was full",
                        lost.get());
            }
            return;
        }
        long n = lost.incrementAndGet();
        if (!full || n % 10_000 == 0) {
            logger.error("printer http: the spool is full ({} bytes, spool-max): events are lost ({} so far) "
                    + "until {} takes them again", spool.bytes(), n, delivery.status().get("url"));
        }
        full = true;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = delivery.status();
        m.put("spooled", spool.pending());
        m.put("spool_bytes", spool.bytes());
        m.put("lost", lost.get());
        return m;
    }

    @Deactivate
    void deactivate() throws IOException {
        delivery.stop();
        spool.close();
        if (lost.get() > 0) {
            logger.warn("printer http stopped; {} event(s) were lost to a full spool", lost.get());
        }
    }

    long lost() {
        return lost.get();
    }

    HttpDelivery delivery() {
        return delivery;
    }
}
