package jibril.netpolicy.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network: its address with the host bits cleared, and its prefix length. A bare address is a
 * /32 (/128).
 *
 * @param address 4 or 16 bytes, network order, host bits zero
 * @param prefix  0-32 or 0-128
 */
record Cidr(byte[] address, int prefix) implements Comparable<Cidr> {

    private static final Pattern V4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    Cidr {
        address = address.clone();
    }

    /**
     * Parses {@code a.b.c.d[/n]} or an IPv6 address {@code [/n]}; host bits are cleared.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static Cidr parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes;
        if (V4.matcher(addr).matches()) {
            bytes = new byte[4];
            String[] parts = addr.split("\\.");
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 or IPv6 address or CIDR ("
                            + parts[i] + " is over 255)");
                }
                bytes[i] = (byte) v;
            }
        } else if (V6.matcher(addr).matches()) {
            try {
                // only literal addresses reach here: the pattern allows no names, so nothing is resolved
                bytes = InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 or IPv6 address or CIDR");
            }
            if (bytes.length == 4) { // an IPv4-mapped literal (::ffff:a.b.c.d) comes back as IPv4
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(bytes, 0, mapped, 12, 4);
                bytes = mapped;
            }
        } else {
            throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 or IPv6 address or CIDR");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("\"" + text + "\": the prefix length must be 0 to " + bits);
            }
            prefix = Integer.parseInt(p);
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** The address of a 4- or 16-byte peer as a full-length network. */
    static Cidr host(byte[] address) {
        return new Cidr(address, address.length * 8);
    }

    static byte[] mask(byte[] a, int prefix) {
        byte[] m = a.clone();
        for (int i = 0; i < m.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            m[i] &= (byte) (0xff << (8 - keep));
        }
        return m;
    }

    boolean v4() {
        return address.length == 4;
    }

    /** Whether this network holds the address (of the same family). */
    boolean contains(byte[] addr) {
        return addr.length == address.length && Arrays.equals(mask(addr, prefix), address);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefix;
    }

    /** An address as text: dotted quad, or IPv6 with the longest run of zero groups written {@code ::}. */
    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8;) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && prefix == c.prefix && Arrays.equals(address, c.address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + prefix;
    }

    @Override
    public int compareTo(Cidr o) {
        int c = Integer.compare(address.length, o.address.length);
        if (c != 0) {
            return c;
        }
        c = Arrays.compareUnsigned(address, o.address);
        return c != 0 ? c : Integer.compare(prefix, o.prefix);
    }
}
