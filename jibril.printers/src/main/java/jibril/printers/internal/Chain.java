package jibril.printers.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tamper-evident chain of the file printers. Every line is the event's JSON object with one more member at the
 * end, {@code "chain":{"seq":N,"prev":"<hex>","mac":"<hex>"}}, where
 *
 * <pre>
 * mac  = hex(HMAC-SHA256(key, "jibril-chain-1\n" + seq + "\n" + prev + "\n" + event))
 * prev = the mac of the line with seq N-1 (64 zeros for seq 1)
 * </pre>
 *
 * and {@code event} is the exact JSON of the event without the chain member: the line up to {@code ,"chain":}
 * followed by {@code }}. Sequence numbers go on across rotated files and daemon restarts, so a changed byte (the
 * mac no longer matches), a removed line (a gap in seq), a swapped pair (seq out of order) and a replaced line (prev
 * does not link) all show; {@link Seal}s show lines cut from the end. {@code bin/jibril verify} (jibril.cli's
 * {@code Verify}) checks exactly this scheme. Not thread-safe: one per writer.
 */
final class Chain {

    /** The prev of the first line of a chain. */
    static final String GENESIS = "0".repeat(64);
    static final String LINE_DOMAIN = "jibril-chain-1";
    static final String SEAL_DOMAIN = "jibril-seal-1";

    /** Where a chain stands: the seq and mac of its last line (seq 0 and {@link #GENESIS} before the first). */
    record Head(long seq, String mac) {
        static final Head START = new Head(0, GENESIS);
    }

    private final Mac mac;

    Chain(byte[] key) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available: " + e, e);
        }
    }

    /** The mac of a line with this seq, prev and event JSON. */
    String mac(long seq, String prev, String eventJson) {
        return hmac(LINE_DOMAIN + "\n" + seq + "\n" + prev + "\n" + eventJson);
    }

    /** The mac of a seal's fields. */
    String sealMac(long first, String firstPrev, long last, String lastMac) {
        return hmac(SEAL_DOMAIN + "\n" + first + "\n" + firstPrev + "\n" + last + "\n" + lastMac);
    }

    private String hmac(String text) {
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The line (without its newline) that carries this event JSON object as link {@code seq} after {@code prev}. */
    static String line(String eventJson, long seq, String prev, String mac) {
        if (eventJson.length() < 2 || eventJson.charAt(0) != '{' || eventJson.charAt(eventJson.length() - 1) != '}') {
            throw new IllegalArgumentException("not a JSON object: " + eventJson);
        }
        String body = eventJson.substring(0, eventJson.length() - 1);
        return body + (body.length() > 1 ? "," : "") + "\"chain\":{\"seq\":" + seq + ",\"prev\":\"" + prev
                + "\",\"mac\":\"" + mac + "\"}}";
    }

    /** The chain member of one line. */
    record Link(long seq, String prev, String mac) {
        Head head() {
            return new Head(seq, mac);
        }
    }

    /** The chain member of a line, or null when the line carries none. */
    static Link parse(String line) {
        int at = line.lastIndexOf("\"chain\":{\"seq\":");
        if (at < 1 || !line.endsWith("\"}}")) {
            return null;
        }
        String tail = line.substring(at);
        java.util.regex.Matcher m = TAIL.matcher(tail);
        if (!m.matches()) {
            return null;
        }
        return new Link(Long.parseLong(m.group(1)), m.group(2), m.group(3));
    }

    private static final java.util.regex.Pattern TAIL = java.util.regex.Pattern
            .compile("\"chain\":\\{\"seq\":(\\d{1,18}),\"prev\":\"([0-9a-f]{64})\",\"mac\":\"([0-9a-f]{64})\"\\}\\}");
}
