package jibril.config.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Option values that must not be shown (tokens, secrets, passwords, e.g. {@code jibril:attenuator:token=...},
 * {@code jibril:printers:http:hmac-secret=...}): the log, status, {@code jibril:config} and error messages show
 * {@value #MASK} instead. Options naming a file that holds one ({@code token-file}) are not secret.
 */
final class Secrets {

    static final String MASK = "***";

    private static final Pattern SECRET_KEY = Pattern.compile("(?i)(?:.*[-_.])?(?:token|secret|password|passwd|api-?key)");
    /** An option inside an entry: after a ':' a key, '=', the value up to the next ':' followed by a key and '='. */
    private static final Pattern OPTION = Pattern.compile("(?<=:)([A-Za-z0-9_.-]+)=(.*?)(?=:[A-Za-z0-9_.-]+=|$)");

    private Secrets() {
    }

    static boolean secret(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    /** A config entry as text, the values of its secret options masked. */
    static String mask(String entry) {
        Matcher m = OPTION.matcher(entry);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(
                    m.group(1) + "=" + (secret(m.group(1)) ? MASK : m.group(2))));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** A property value as it may be shown. */
    static Object show(String key, Object value) {
        if (value == null) {
            return null;
        }
        if (secret(key)) {
            return MASK;
        }
        return Pids.ENTRY.equals(key) && value instanceof String s ? mask(s) : value;
    }
}
