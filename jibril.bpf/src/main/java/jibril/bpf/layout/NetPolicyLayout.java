package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The layout of src/main/bpf/netpolicy.h, shared by netpolicy.bpf.c and jibril.netpolicy: the policy
 * configuration, the LPM keys and rule values of the rule sets, and the drop notices.
 */
public final class NetPolicyLayout {

	private NetPolicyLayout() {
	}

	/** NP_MODE_BYPASS: nothing is checked. */
	public static final int MODE_BYPASS = 0;
	/** NP_MODE_ALERT: denied peers are reported, not refused. */
	public static final int MODE_ALERT = 1;
	/** NP_MODE_ENFORCE: denied peers are refused. */
	public static final int MODE_ENFORCE = 2;
	/** NP_MODE_BOTH: denied peers are refused and reported. */
	public static final int MODE_BOTH = 3;
	/** NP_ALLOW. */
	public static final int ALLOW = 1;
	/** NP_DENY. */
	public static final int DENY = 2;
	/** NP_HOOK_CONNECT. */
	public static final int HOOK_CONNECT = 1;
	/** NP_HOOK_SENDMSG. */
	public static final int HOOK_SENDMSG = 2;
	/** NP_HOOK_EGRESS. */
	public static final int HOOK_EGRESS = 3;
	/** NP_HOOK_RESOLVE: a DNS answer was dropped. */
	public static final int HOOK_RESOLVE = 4;
	/** NP_NAME_P: the multiplier of the name hash. */
	public static final long NAME_P = 1099511628211L;
	/** NP_MAX_NAMES: capacity of each name map. */
	public static final int MAX_NAMES = 65536;
	/** NP_MAX_LPM: capacity of each LPM map. */
	public static final int MAX_LPM = 262144;
	/** NP_MAX_RULES: rule indexes are below it (0: the default policy). */
	public static final int MAX_RULES = 524288;
	/** NP_CNT_DECISIONS. */
	public static final int CNT_DECISIONS = 0;
	/** NP_CNT_DENIED. */
	public static final int CNT_DENIED = 1;
	/** NP_CNT_BLOCKED. */
	public static final int CNT_BLOCKED = 2;
	/** NP_CNT_NOTICE_LOST. */
	public static final int CNT_NOTICE_LOST = 3;
	/** NP_CNT_ANSWERS. */
	public static final int CNT_ANSWERS = 4;
	/** NP_CNT_ANSWERS_DROPPED. */
	public static final int CNT_ANSWERS_DROPPED = 5;
	/** NP_CNT_ANSWERS_UNPARSED. */
	public static final int CNT_ANSWERS_UNPARSED = 6;

	/** sizeof(struct np_config). */
	public static final int CONFIG_SIZE = 16;
	/** Offset of {@code __u32 gen}. */
	public static final int CONFIG_GEN = 0;
	/** Offset of {@code __u8 cidr_mode}. */
	public static final int CONFIG_CIDR_MODE = 4;
	/** Offset of {@code __u8 cidr_default}. */
	public static final int CONFIG_CIDR_DEFAULT = 5;
	/** Offset of {@code __u8 resolve_mode}. */
	public static final int CONFIG_RESOLVE_MODE = 6;
	/** Offset of {@code __u8 resolve_default}. */
	public static final int CONFIG_RESOLVE_DEFAULT = 7;
	/** Offset of {@code __u64 version}. */
	public static final int CONFIG_VERSION = 8;
	/** sizeof(struct np_v4_key). */
	public static final int V4_KEY_SIZE = 8;
	/** sizeof(struct np_v6_key). */
	public static final int V6_KEY_SIZE = 20;
	/** sizeof(struct np_rule). */
	public static final int RULE_SIZE = 8;
	/** sizeof(struct np_block_key). */
	public static final int BLOCK_KEY_SIZE = 264;

	/** A struct np_block_key: the text, zero-padded. */
	public static byte[] blockKey(String text) {
		byte[] t = text.getBytes(StandardCharsets.UTF_8);
		if (t.length >= BLOCK_KEY_SIZE) {
			throw new IllegalArgumentException("block key too long: " + text);
		}
		return java.util.Arrays.copyOf(t, BLOCK_KEY_SIZE);
	}

	/** The text of a struct np_block_key. */
	public static String blockText(byte[] key) {
		int n = 0;
		while (n < key.length && key[n] != 0) {
			n++;
		}
		return new String(key, 0, n, StandardCharsets.UTF_8);
	}

	/** sizeof(struct np_drop). */
	public static final int DROP_SIZE = 72;

	/** A struct np_config. */
	public static byte[] config(int gen, int cidrMode, int cidrDefault, int resolveMode, int resolveDefault,
			long version) {
		ByteBuffer b = ByteBuffer.allocate(CONFIG_SIZE).order(ByteOrder.nativeOrder());
		b.putInt(CONFIG_GEN, gen).put(CONFIG_CIDR_MODE, (byte) cidrMode).put(CONFIG_CIDR_DEFAULT, (byte) cidrDefault)
				.put(CONFIG_RESOLVE_MODE, (byte) resolveMode).put(CONFIG_RESOLVE_DEFAULT, (byte) resolveDefault)
				.putLong(CONFIG_VERSION, version);
		return b.array();
	}

	/**
	 * The key of a domain in the name maps: the hash of its DNS wire form without the final zero, lower case.
	 *
	 * @param domain a name such as {@code example.com} (no trailing dot)
	 * @return the key, native byte order
	 */
	public static byte[] nameKey(String domain) {
		byte[] w = wire(domain);
		long h = 0;
		for (int k = w.length - 1; k >= 0; k--) {
			h = h * NAME_P + (w[k] & 0xff);
		}
		return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(h).array();
	}

	private static byte[] wire(String domain) {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		for (String label : domain.toLowerCase(java.util.Locale.ROOT).split("\\.")) {
			byte[] l = label.getBytes(StandardCharsets.US_ASCII);
			out.write(l.length);
			out.write(l, 0, l.length);
		}
		return out.toByteArray();
	}

	/** The generation (rule set) of a struct np_config. */
	public static int configGen(byte[] config) {
		return ByteBuffer.wrap(config).order(ByteOrder.nativeOrder()).getInt(CONFIG_GEN);
	}

	/** The version of a struct np_config. */
	public static long configVersion(byte[] config) {
		return ByteBuffer.wrap(config).order(ByteOrder.nativeOrder()).getLong(CONFIG_VERSION);
	}

	/**
	 * An LPM key: np_v4_key for 4-byte addresses, np_v6_key for 16-byte ones.
	 *
	 * @param address the network address in network byte order
	 * @param prefix the prefix length
	 */
	public static byte[] lpmKey(byte[] address, int prefix) {
		ByteBuffer b = ByteBuffer.allocate(4 + address.length).order(ByteOrder.nativeOrder());
		b.putInt(prefix).put(address);
		return b.array();
	}

	/** A struct np_rule. */
	public static byte[] rule(int index, int action) {
		ByteBuffer b = ByteBuffer.allocate(RULE_SIZE).order(ByteOrder.nativeOrder());
		b.putInt(0, index).put(4, (byte) action);
		return b.array();
	}

	/** The rule index of a struct np_rule. */
	public static int ruleIndex(byte[] rule) {
		return ByteBuffer.wrap(rule).order(ByteOrder.nativeOrder()).getInt(0);
	}

	/**
	 * A decoded struct np_drop.
	 *
	 * @param bootNs when, CLOCK_BOOTTIME
	 * @param cookie the socket's cookie
	 * @param pid the thread (0 when the packet was not sent from a process's context)
	 * @param tgid the process (0 likewise)
	 * @param uid the user
	 * @param rule the rule index (0: the default policy)
	 * @param family 4 or 6
	 * @param proto IP protocol number (0 unknown)
	 * @param hook {@link #HOOK_CONNECT}, {@link #HOOK_SENDMSG} or {@link #HOOK_EGRESS}
	 * @param blocked whether it was refused
	 * @param rport the remote port
	 * @param raddr the remote address: 4 or 16 bytes, network order
	 * @param comm the task's name (empty when not known)
	 */
	public record Drop(long bootNs, long cookie, int pid, int tgid, int uid, int rule, int family, int proto,
			int hook, boolean blocked, int rport, byte[] raddr, String comm) {

		/** Decodes a struct np_drop at the buffer's position. */
		public static Drop decode(ByteBuffer in) {
			ByteBuffer b = in.duplicate().order(ByteOrder.nativeOrder());
			int p = b.position();
			int family = b.get(p + 32) & 0xff;
			byte[] addr = new byte[family == 4 ? 4 : 16];
			b.get(p + 40, addr);
			byte[] comm = new byte[16];
			b.get(p + 56, comm);
			int n = 0;
			while (n < comm.length && comm[n] != 0) {
				n++;
			}
			return new Drop(b.getLong(p), b.getLong(p + 8), b.getInt(p + 16), b.getInt(p + 20), b.getInt(p + 24),
					b.getInt(p + 28), family, b.get(p + 33) & 0xff, b.get(p + 34) & 0xff, b.get(p + 35) != 0,
					b.getShort(p + 36) & 0xffff, addr, new String(comm, 0, n, StandardCharsets.UTF_8));
		}
	}
}
