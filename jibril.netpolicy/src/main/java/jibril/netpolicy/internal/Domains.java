package jibril.netpolicy.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/** Domain names as rules hold them: lower case, no trailing dot; a rule covers the name and its sub-domains. */
final class Domains {

    private static final Pattern NAME = Pattern
            .compile("([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");

    private Domains() {
    }

    /**
     * A rule's domain in normal form: lower case, without a trailing dot or a leading {@code *.} or {@code .}
     * (both mean "and its sub-domains", which every domain rule does).
     *
     * @throws IllegalArgumentException when it is not a domain name
     */
    static String normalize(String text) {
        String d = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (d.startsWith("*.")) {
            d = d.substring(2);
        } else if (d.startsWith(".")) {
            d = d.substring(1);
        }
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.length() > 253 || !NAME.matcher(d).matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a domain name");
        }
        return d;
    }

    /** Whether {@code domain} covers {@code name}: the same name or one of its sub-domains. */
    static boolean covers(String domain, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        return n.equals(domain) || n.endsWith("." + domain);
    }
}
