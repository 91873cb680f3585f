package jibril.bpf.layout;

import java.nio.charset.StandardCharsets;

/** The key functions of the BPF programs (task keys, strings keys), computed the same way in Java. */
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
}
