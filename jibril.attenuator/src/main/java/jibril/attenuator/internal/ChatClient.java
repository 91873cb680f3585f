package jibril.attenuator.internal;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One verdict from an OpenAI-compatible chat-completions endpoint, within a deadline: the token goes in the
 * {@code Authorization: Bearer} header and nowhere else; a 429, a 5xx or a connection failure is retried with a
 * doubling pause (a 429's {@code Retry-After} is honoured) while the deadline allows; anything else fails at once.
 */
final class ChatClient implements AutoCloseable {

    /** Why a detection went on unattenuated, as status counts it. */
    enum Cause {
        TIMEOUT, HTTP_ERROR, RATE_LIMITED, MALFORMED, UNREACHABLE, BREAKER_OPEN, BUSY;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A call that gave no verdict. */
    static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        final Cause cause;
        /** Whether the endpoint was reached or tried (feeds the circuit breaker). */
        final boolean endpoint;

        Failed(Cause cause, String detail, boolean endpoint) {
            super(detail, null, false, false);
            this.cause = cause;
            this.endpoint = endpoint;
        }
    }

    /** Waits; a seam for tests of the back-off. */
    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final Settings settings;
    private final HttpClient http;
    private final Sleeper sleeper;
    final AtomicLong requests = new AtomicLong();
    final AtomicLong retries = new AtomicLong();

    ChatClient(Settings settings, Sleeper sleeper) {
        this.settings = settings;
        this.sleeper = sleeper;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(Math.min(settings.budgetMs(), 5_000)))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Asks for the verdict of the request body, giving up at {@code deadline} ({@link System#nanoTime}). */
    Verdict ask(String body, long deadline) throws Failed, InterruptedException {
        Failed last = null;
        for (int attempt = 0; attempt <= settings.retries(); attempt++) {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) {
                throw last != null ? last : new Failed(Cause.TIMEOUT, "no time left in the budget", false);
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder(settings.url()).timeout(Duration.ofMillis(remainingMs))
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (!settings.token().isEmpty()) {
                rb.header("Authorization", "Bearer " + settings.token());
            }
            long retryAfterMs = -1;
            requests.incrementAndGet();
            try {
                HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int code = r.statusCode();
                if (code == 200) {
                    try {
                        return Verdict.parseResponse(r.body());
                    } catch (Verdict.Malformed m) {
                        throw new Failed(Cause.MALFORMED, m.getMessage(), true);
                    }
                }
                if (code == 429) {
                    last = new Failed(Cause.RATE_LIMITED, "HTTP 429 (rate limited)", true);
                    retryAfterMs = r.headers().firstValue("Retry-After").map(ChatClient::seconds).orElse(-1L);
                } else if (code >= 500) {
                    last = new Failed(Cause.HTTP_ERROR, "HTTP " + code, true);
                } else {
                    throw new Failed(Cause.HTTP_ERROR, "HTTP " + code + (code == 401 || code == 403
                            ? " (the endpoint refused the token)" : ""), true);
                }
            } catch (HttpTimeoutException e) {
                throw new Failed(Cause.TIMEOUT, "no answer within the budget", true);
            } catch (IOException e) {
                last = new Failed(Cause.UNREACHABLE, e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()), true);
            }
            if (attempt == settings.retries()) {
                break;
            }
            long pause = retryAfterMs >= 0 ? retryAfterMs : settings.backoffMs() << Math.min(attempt, 20);
            if (System.nanoTime() + pause * 1_000_000 >= deadline) {
                break; // a retry could not finish in time
            }
            retries.incrementAndGet();
            sleeper.sleep(pause);
        }
        throw last;
    }

    private static long seconds(String retryAfter) {
        try {
            return Math.max(0, Long.parseLong(retryAfter.strip())) * 1000;
        } catch (NumberFormatException e) {
            return -1; // an HTTP date: use the back-off
        }
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
