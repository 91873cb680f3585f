package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * {@code struct dns_answer}: the value of the dns_answers map (key: FNV-1a 64 of the payload bytes). Userland
 * parses an entry with {@link DnsMessage#parse(byte[])} and deletes it once read.
 */
public final class DnsAnswerLayout {

	private DnsAnswerLayout() {
	}

	/** sizeof(struct dns_answer). */
	public static final int SIZE = 552;

	/** Offset of {@code __u32 len}. */
	public static final int OFF_LEN = 0;
	/** Offset of {@code __u32 flags}. */
	public static final int OFF_FLAGS = 4;
	/** Offset of {@code __u64 first_ns}. */
	public static final int OFF_FIRST_NS = 8;
	/** Offset of {@code __u64 last_ns}. */
	public static final int OFF_LAST_NS = 16;
	/** Offset of {@code __u64 flow_key}. */
	public static final int OFF_FLOW_KEY = 24;
	/** Offset of {@code __u64 count}. */
	public static final int OFF_COUNT = 32;
	/** Offset of {@code __u8 payload[DNS_MAX]}. */
	public static final int OFF_PAYLOAD = 40;

	/**
	 * A decoded {@code struct dns_answer}.
	 *
	 * @param payload the UDP payload as received (at most {@link NetLayout#DNS_MAX} bytes); do not modify
	 * @param truncated whether the datagram was longer than what was kept
	 * @param firstNs first received, CLOCK_BOOTTIME ns
	 * @param lastNs last received, CLOCK_BOOTTIME ns
	 * @param flowKey the flows key of the receiving flow
	 * @param count times this exact payload was received while the entry lived
	 */
	public record DnsAnswer(byte[] payload, boolean truncated, long firstNs, long lastNs, long flowKey, long count) {

		/**
		 * Decodes a struct dns_answer starting at the buffer's position (native byte order; the buffer is not
		 * modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the answer
		 */
		public static DnsAnswer decode(ByteBuffer b) {
			ByteBuffer d = b.duplicate().order(ByteOrder.nativeOrder());
			int p = d.position();
			int len = Math.min(Math.max(0, d.getInt(p + OFF_LEN)), NetLayout.DNS_MAX);
			byte[] payload = new byte[len];
			d.get(p + OFF_PAYLOAD, payload);
			return new DnsAnswer(payload, (d.getInt(p + OFF_FLAGS) & NetLayout.DNS_TRUNCATED) != 0,
					d.getLong(p + OFF_FIRST_NS), d.getLong(p + OFF_LAST_NS), d.getLong(p + OFF_FLOW_KEY),
					d.getLong(p + OFF_COUNT));
		}

		/**
		 * Parses the payload.
		 *
		 * @return what {@link DnsMessage#parse(byte[])} could read; never throws
		 */
		public DnsMessage message() {
			return DnsMessage.parse(payload);
		}

		/**
		 * The key of this entry in the dns_answers map.
		 *
		 * @return FNV-1a 64 of the payload
		 */
		public long key() {
			return Keys.fnv1a(payload, payload.length);
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof DnsAnswer a && Arrays.equals(payload, a.payload) && truncated == a.truncated
					&& firstNs == a.firstNs && lastNs == a.lastNs && flowKey == a.flowKey && count == a.count;
		}

		@Override
		public int hashCode() {
			return Arrays.hashCode(payload) * 31 + Long.hashCode(flowKey);
		}

		@Override
		public String toString() {
			return "DnsAnswer[" + payload.length + " B" + (truncated ? " truncated" : "") + ", flow "
					+ Long.toHexString(flowKey) + ", count " + count + "]";
		}
	}
}
