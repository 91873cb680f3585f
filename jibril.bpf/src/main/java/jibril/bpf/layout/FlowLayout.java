package jibril.bpf.layout;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * {@code struct flow}: the value of the flows map (key: the u64 flow key, see {@link Keys#flowKey}). Constants of
 * its fields are in {@link NetLayout}.
 */
public final class FlowLayout {

	private FlowLayout() {
	}

	/** sizeof(struct flow). */
	public static final int SIZE = 104;

	/** Offset of {@code __u8 laddr[16]}. */
	public static final int OFF_LADDR = 0;
	/** Offset of {@code __u8 raddr[16]}. */
	public static final int OFF_RADDR = 16;
	/** Offset of {@code __u16 lport}. */
	public static final int OFF_LPORT = 32;
	/** Offset of {@code __u16 rport}. */
	public static final int OFF_RPORT = 34;
	/** Offset of {@code __u8 proto}. */
	public static final int OFF_PROTO = 36;
	/** Offset of {@code __u8 family}. */
	public static final int OFF_FAMILY = 37;
	/** Offset of {@code __u8 state}. */
	public static final int OFF_STATE = 38;
	/** Offset of {@code __u8 pad}. */
	public static final int OFF_PAD = 39;
	/** Offset of {@code __u64 flags}. */
	public static final int OFF_FLAGS = 40;
	/** Offset of {@code __u64 first_ns}. */
	public static final int OFF_FIRST_NS = 48;
	/** Offset of {@code __u64 last_ns}. */
	public static final int OFF_LAST_NS = 56;
	/** Offset of {@code __u64 bytes_in}. */
	public static final int OFF_BYTES_IN = 64;
	/** Offset of {@code __u64 bytes_out}. */
	public static final int OFF_BYTES_OUT = 72;
	/** Offset of {@code __u64 packets_in}. */
	public static final int OFF_PACKETS_IN = 80;
	/** Offset of {@code __u64 packets_out}. */
	public static final int OFF_PACKETS_OUT = 88;
	/** Offset of {@code __u64 gen}. */
	public static final int OFF_GEN = 96;

	/**
	 * A decoded {@code struct flow}.
	 *
	 * @param proto a PROTO_ constant of {@link NetLayout}
	 * @param family {@link NetLayout#AF_INET} or {@link NetLayout#AF_INET6}
	 * @param local the local address (the wildcard for unconnected UDP and ping sockets bound to it)
	 * @param localPort the local port; ICMP: the echo identifier
	 * @param remote the remote address
	 * @param remotePort the remote port; ICMP: 0
	 * @param state TCP: the last state ({@link NetLayout#tcpStateName}); 0 otherwise
	 * @param flags FLOW_ bits of {@link NetLayout}
	 * @param firstNs first seen, CLOCK_BOOTTIME ns
	 * @param lastNs last seen, CLOCK_BOOTTIME ns
	 * @param bytesIn bytes received (IP lengths, headers included)
	 * @param bytesOut bytes sent
	 * @param packetsIn packets (segments) received
	 * @param packetsOut packets (segments) sent
	 * @param gen the flow_seq generation of its creation or last new flag
	 */
	public record Flow(int proto, int family, InetAddress local, int localPort, InetAddress remote, int remotePort,
			int state, long flags, long firstNs, long lastNs, long bytesIn, long bytesOut, long packetsIn,
			long packetsOut, long gen) {

		/**
		 * Decodes a struct flow starting at the buffer's position (native byte order; the buffer is not modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the flow
		 */
		public static Flow decode(ByteBuffer b) {
			ByteBuffer f = b.duplicate().order(ByteOrder.nativeOrder());
			int p = f.position();
			byte[] l = new byte[16];
			byte[] r = new byte[16];
			f.get(p + OFF_LADDR, l);
			f.get(p + OFF_RADDR, r);
			int family = f.get(p + OFF_FAMILY) & 0xff;
			return new Flow(f.get(p + OFF_PROTO) & 0xff, family, NetLayout.address(l, family),
					f.getShort(p + OFF_LPORT) & 0xffff, NetLayout.address(r, family),
					f.getShort(p + OFF_RPORT) & 0xffff, f.get(p + OFF_STATE) & 0xff, f.getLong(p + OFF_FLAGS),
					f.getLong(p + OFF_FIRST_NS), f.getLong(p + OFF_LAST_NS), f.getLong(p + OFF_BYTES_IN),
					f.getLong(p + OFF_BYTES_OUT), f.getLong(p + OFF_PACKETS_IN), f.getLong(p + OFF_PACKETS_OUT),
					f.getLong(p + OFF_GEN));
		}

		/**
		 * The flows key of this flow.
		 *
		 * @return {@link Keys#flowKey} of its tuple
		 */
		public long key() {
			return Keys.flowKey(proto, family, NetLayout.flowAddress(local, family), localPort,
					NetLayout.flowAddress(remote, family), remotePort);
		}

		/**
		 * Whether all these flags are set.
		 *
		 * @param flag FLOW_ bits of {@link NetLayout}
		 * @return true when all are set
		 */
		public boolean has(long flag) {
			return (flags & flag) == flag;
		}

		/**
		 * The names of the flags.
		 *
		 * @return {@link NetLayout#flagNames} of flags
		 */
		public List<String> flagNames() {
			return NetLayout.flagNames(flags);
		}

		/**
		 * Who initiated the flow.
		 *
		 * @return "local", "remote" or "unknown"
		 */
		public String initiator() {
			return has(NetLayout.FLOW_INIT_LOCAL) ? "local" : has(NetLayout.FLOW_INIT_REMOTE) ? "remote" : "unknown";
		}

		/**
		 * Who ended the flow.
		 *
		 * @return "local", "remote", or "" while nobody has
		 */
		public String endedBy() {
			return has(NetLayout.FLOW_END_LOCAL) ? "local" : has(NetLayout.FLOW_END_REMOTE) ? "remote" : "";
		}

		@Override
		public String toString() {
			return NetLayout.protocolName(proto) + " " + local.getHostAddress() + ":" + localPort + " <-> "
					+ remote.getHostAddress() + ":" + remotePort + " " + NetLayout.tcpStateName(state) + " "
					+ flagNames() + " in " + bytesIn + " B/" + packetsIn + " out " + bytesOut + " B/" + packetsOut
					+ " gen " + gen;
		}
	}
}
