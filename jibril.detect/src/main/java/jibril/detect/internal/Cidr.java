package jibril.detect.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 network in CIDR notation (a bare address is a /32 or /128). */
record Cidr(byte[] network, int prefix, String text) {

    private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    /** Parses {@code text}; IllegalArgumentException with a reason when it is not a CIDR. */
    static Cidr parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (!LITERAL.matcher(addr).matches() || (!addr.contains(":") && addr.split("\\.", -1).length != 4)) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no prefix length after '/'");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be 0-" + max);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, t);
    }

    private static byte[] mask(byte[] b, int prefix) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - bits));
        }
        return out;
    }

    /** Whether the address (text, as flows carry it) is in this network; IPv4-mapped IPv6 counts as IPv4. */
    boolean contains(String address) {
        byte[] a;
        try {
            a = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
        return contains(a);
    }

    boolean contains(byte[] a) {
        if (a.length == 16 && network.length == 4 && isMapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        return java.util.Arrays.equals(mask(a, prefix), network);
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }
}
