package jibril.bpf.layout;

import java.nio.charset.StandardCharsets;

/** The key functions of the BPF programs (task, string and flow keys), computed the same way in Java. */
public final class Keys {

	private Keys() {
	}

	/** NSEC_PER_TICK: task keys use start times in USER_HZ ticks, the unit of /proc/[pid]/stat. */
	public static final long NSEC_PER_TICK = 10_000_000L;

	private static final long FNV_OFFSET = 0xcbf29ce484222325L;
	private static final long FNV_PRIME = 0x100000001b3L;

	/**
	 * The tasks key of a process: {@code mix64(((u64) tgid << 40) ^ (start / NSEC_PER_TICK))}.
	 *
	 * @param tgid the process's thread group id
	 * @param startBoottimeNs the start time of the process, CLOCK_BOOTTIME ns (for a start time from
	 *            /proc/[pid]/stat, ticks * {@link #NSEC_PER_TICK})
	 * @return the key
	 */
	public static long taskKey(int tgid, long startBoottimeNs) {
		return mix64((Integer.toUnsignedLong(tgid) << 40) ^ Long.divideUnsigned(startBoottimeNs, NSEC_PER_TICK));
	}

	/**
	 * The splitmix64 finaliser.
	 *
	 * @param z the input
	 * @return the mixed value
	 */
	public static long mix64(long z) {
		z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
		z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
		return z ^ (z >>> 31);
	}

	/**
	 * The strings key of a text, e.g. the files key of an absolute path: FNV-1a 64 of its UTF-8 bytes.
	 *
	 * @param text the text
	 * @return the key
	 */
	public static long stringKey(String text) {
		byte[] b = text.getBytes(StandardCharsets.UTF_8);
		return fnv1a(b, b.length);
	}

	/**
	 * FNV-1a 64 of the first {@code len} bytes: the strings map key of those bytes.
	 *
	 * @param data the bytes
	 * @param len how many of them to hash
	 * @return the hash
	 */
	public static long fnv1a(byte[] data, int len) {
		long h = FNV_OFFSET;
		for (int i = 0; i < len; i++) {
			h ^= data[i] & 0xff;
			h *= FNV_PRIME;
		}
		return h;
	}

	/**
	 * The flows key of a flow: FNV-1a 64 of the 38 canonical bytes {@code proto, family, laddr[16], lport (big
	 * endian), raddr[16], rport (big endian)}, as net.bpf.c computes it.
	 *
	 * @param proto {@link NetLayout#PROTO_TCP}, {@link NetLayout#PROTO_UDP}, {@link NetLayout#PROTO_ICMP} or
	 *            {@link NetLayout#PROTO_ICMPV6}
	 * @param family {@link NetLayout#AF_INET} or {@link NetLayout#AF_INET6}
	 * @param laddr the local address as stored in struct flow: 16 bytes, IPv4 in the first 4 (see
	 *            {@link NetLayout#flowAddress})
	 * @param lport the local port (ICMP: the echo identifier)
	 * @param raddr the remote address, 16 bytes
	 * @param rport the remote port (ICMP: 0)
	 * @return the key
	 */
	public static long flowKey(int proto, int family, byte[] laddr, int lport, byte[] raddr, int rport) {
		if (laddr.length != 16 || raddr.length != 16) {
			throw new IllegalArgumentException("flow addresses are 16 bytes, got " + laddr.length + " and "
					+ raddr.length);
		}
		long h = FNV_OFFSET;
		h = fnv(h, proto);
		h = fnv(h, family);
		for (byte b : laddr) {
			h = fnv(h, b);
		}
		h = fnv(h, lport >>> 8);
		h = fnv(h, lport);
		for (byte b : raddr) {
			h = fnv(h, b);
		}
		h = fnv(h, rport >>> 8);
		return fnv(h, rport);
	}

	/**
	 * The flows key of a flow between two addresses, normalised as the kernel does: IPv4-mapped IPv6 addresses are
	 * IPv4 (a wildcard local address goes with the peer's family).
	 *
	 * @param proto a PROTO_ constant of {@link NetLayout}; ICMPv6 with IPv6 addresses only
	 * @param local the local address (the wildcard for unconnected UDP and ping sockets bound to it)
	 * @param lport the local port (ICMP: the echo identifier)
	 * @param remote the remote address
	 * @param rport the remote port (ICMP: 0)
	 * @return the key
	 */
	public static long flowKey(int proto, java.net.InetAddress local, int lport, java.net.InetAddress remote,
			int rport) {
		int family = NetLayout.familyOf(remote);
		return flowKey(proto, family, NetLayout.flowAddress(local, family), lport,
				NetLayout.flowAddress(remote, family), rport);
	}

	private static long fnv(long h, int b) {
		return (h ^ (b & 0xff)) * FNV_PRIME;
	}
}
