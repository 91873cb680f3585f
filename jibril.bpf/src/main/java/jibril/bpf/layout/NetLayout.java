package jibril.bpf.layout;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The constants of the network section of jibril.h (net.bpf.c): address families, protocols, flow flags, task_flow
 * actions, TCP states, DNS limits, the map names, with their names for humans and the address conversions of
 * struct flow. The structs are mirrored by {@link FlowLayout}, {@link TaskFlowLayout} and {@link DnsAnswerLayout};
 * the flow key is {@link Keys#flowKey}.
 */
public final class NetLayout {

	private NetLayout() {
	}

	/** Name of the pinned flows map (key: u64 flow key, value: {@link FlowLayout}). */
	public static final String MAP_FLOWS = "flows";
	/** Name of the pinned task_flow map (key: {@link TaskFlowLayout.Key}, value: {@link TaskFlowLayout}). */
	public static final String MAP_TASK_FLOW = "task_flow";
	/** Name of the pinned dns_answers map (key: u64 FNV-1a of the payload, value: {@link DnsAnswerLayout}). */
	public static final String MAP_DNS_ANSWERS = "dns_answers";
	/** Name of the pinned net_seq array (index 0: the last generation given to a task_flow entry). */
	public static final String MAP_NET_SEQ = "net_seq";
	/** Name of the pinned flow_seq array (index 0: the last generation given to a flows entry). */
	public static final String MAP_FLOW_SEQ = "flow_seq";
	/** Name of the pinned, userland-owned net_cursors array (see the CURSOR_ constants). */
	public static final String MAP_NET_CURSORS = "net_cursors";
	/** net_cursors index: the highest flows gen that userland has handled. */
	public static final int CURSOR_FLOWS = 0;
	/** net_cursors index: the highest task_flow gen that userland has handled. */
	public static final int CURSOR_TASK_FLOW = 1;

	/** NET_AF_INET. */
	public static final int AF_INET = 2;
	/** NET_AF_INET6. */
	public static final int AF_INET6 = 10;
	/** NET_PROTO_ICMP. */
	public static final int PROTO_ICMP = 1;
	/** NET_PROTO_TCP. */
	public static final int PROTO_TCP = 6;
	/** NET_PROTO_UDP. */
	public static final int PROTO_UDP = 17;
	/** NET_PROTO_ICMPV6. */
	public static final int PROTO_ICMPV6 = 58;

	/** FLOW_INIT_LOCAL: this host initiated the flow (connect, outgoing SYN, echo request, first UDP packet out). */
	public static final long FLOW_INIT_LOCAL = 0x1;
	/** FLOW_INIT_REMOTE: the peer initiated the flow (accept, incoming SYN, first UDP packet in). */
	public static final long FLOW_INIT_REMOTE = 0x2;
	/** FLOW_ESTABLISHED: TCP reached ESTABLISHED. */
	public static final long FLOW_ESTABLISHED = 0x4;
	/** FLOW_CLOSED: TCP reached CLOSE; UDP/ICMP: a connected socket was closed by its process. */
	public static final long FLOW_CLOSED = 0x8;
	/** FLOW_END_LOCAL: this host ended the flow (first FIN, a RST, or closed the socket). */
	public static final long FLOW_END_LOCAL = 0x10;
	/** FLOW_END_REMOTE: the peer ended the flow (its FIN or RST came first). */
	public static final long FLOW_END_REMOTE = 0x20;
	/** FLOW_RST_IN: a TCP RST was received. */
	public static final long FLOW_RST_IN = 0x40;
	/** FLOW_RST_OUT: a TCP RST was sent. */
	public static final long FLOW_RST_OUT = 0x80;

	/** NET_ACT_CONNECT: the process connected the flow's socket. */
	public static final long ACT_CONNECT = 0x1;
	/** NET_ACT_ACCEPT: the process accepted the flow's socket. */
	public static final long ACT_ACCEPT = 0x2;
	/** NET_ACT_SEND: the process sent on the flow. */
	public static final long ACT_SEND = 0x4;
	/** NET_ACT_RECV: the process received on the flow. */
	public static final long ACT_RECV = 0x8;
	/** NET_ACT_CLOSE: the process closed a descriptor of the flow's socket. */
	public static final long ACT_CLOSE = 0x10;

	/** DNS_MAX: the most bytes of a DNS answer kept. */
	public static final int DNS_MAX = 512;
	/** DNS_TRUNCATED: dns_answer flag, the datagram was longer than {@link #DNS_MAX}. */
	public static final int DNS_TRUNCATED = 1;
	/** NET_MMSG_MAX: the messages of one sendmmsg/recvmmsg whose peers are attributed. */
	public static final int NET_MMSG_MAX = 8;

	private static final String[] FLAG_NAMES = { "init_local", "init_remote", "established", "closed", "end_local",
			"end_remote", "rst_in", "rst_out" };
	private static final String[] ACTION_NAMES = { "connect", "accept", "send", "recv", "close" };
	/** The kernel's TCP states, index = state. */
	private static final String[] TCP_STATES = { "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
			"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
			"BOUND_INACTIVE" };

	/**
	 * The names of the task_flow action bits set in a bitmask, lowest bit first.
	 *
	 * @param actions ACT_ bits
	 * @return e.g. [connect, send, recv]; unknown bits as "bit<n>"
	 */
	public static List<String> actionNames(long actions) {
		return names(actions, ACTION_NAMES);
	}

	/**
	 * The names of the flow flag bits set in a bitmask, lowest bit first.
	 *
	 * @param flags FLOW_ bits
	 * @return e.g. [init_local, established]; unknown bits as "bit<n>"
	 */
	public static List<String> flagNames(long flags) {
		return names(flags, FLAG_NAMES);
	}

	/**
	 * A protocol's name.
	 *
	 * @param proto a PROTO_ constant
	 * @return "tcp", "udp", "icmp", "icmpv6", or the number
	 */
	public static String protocolName(int proto) {
		return switch (proto) {
		case PROTO_TCP -> "tcp";
		case PROTO_UDP -> "udp";
		case PROTO_ICMP -> "icmp";
		case PROTO_ICMPV6 -> "icmpv6";
		default -> Integer.toString(proto);
		};
	}

	/**
	 * A TCP state's name.
	 *
	 * @param state the kernel's TCP state (struct flow's state)
	 * @return e.g. "ESTABLISHED"; "" for 0 (no state), the number when unknown
	 */
	public static String tcpStateName(int state) {
		return state >= 0 && state < TCP_STATES.length ? TCP_STATES[state] : Integer.toString(state);
	}

	/**
	 * The family a flow with this remote address has: IPv4 for IPv4 and IPv4-mapped IPv6 addresses.
	 *
	 * @param remote an address
	 * @return {@link #AF_INET} or {@link #AF_INET6}
	 */
	public static int familyOf(InetAddress remote) {
		if (remote instanceof Inet4Address) {
			return AF_INET;
		}
		return isV4Mapped(remote.getAddress()) ? AF_INET : AF_INET6;
	}

	/**
	 * An address as struct flow stores it: 16 bytes, IPv4 (and IPv4-mapped IPv6) in the first 4, the rest zero.
	 *
	 * @param a the address; an IPv6 wildcard (::) in an IPv4 flow is 0.0.0.0
	 * @param family the flow's family
	 * @return 16 bytes
	 * @throws IllegalArgumentException when an IPv6 address cannot be in an IPv4 flow
	 */
	public static byte[] flowAddress(InetAddress a, int family) {
		byte[] raw = a.getAddress();
		byte[] out = new byte[16];
		if (family == AF_INET) {
			if (raw.length == 4) {
				System.arraycopy(raw, 0, out, 0, 4);
			} else if (isV4Mapped(raw)) {
				System.arraycopy(raw, 12, out, 0, 4);
			} else if (!a.isAnyLocalAddress()) {
				throw new IllegalArgumentException(a + " is not an IPv4 address");
			}
		} else {
			if (raw.length != 16) {
				throw new IllegalArgumentException(a + " is not an IPv6 address");
			}
			System.arraycopy(raw, 0, out, 0, 16);
		}
		return out;
	}

	/**
	 * The address in a struct flow's 16 bytes.
	 *
	 * @param addr16 the 16 bytes
	 * @param family {@link #AF_INET} (the first 4 bytes) or {@link #AF_INET6}
	 * @return the address (for IPv6 always an {@link Inet6Address}, even when it looks IPv4-mapped)
	 */
	public static InetAddress address(byte[] addr16, int family) {
		try {
			if (family == AF_INET) {
				return InetAddress.getByAddress(Arrays.copyOf(addr16, 4));
			}
			return Inet6Address.getByAddress(null, Arrays.copyOf(addr16, 16), null);
		} catch (UnknownHostException e) {
			throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
		}
	}

	private static boolean isV4Mapped(byte[] raw) {
		if (raw.length != 16) {
			return false;
		}
		for (int i = 0; i < 10; i++) {
			if (raw[i] != 0) {
				return false;
			}
		}
		return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
	}

	private static List<String> names(long bits, String[] names) {
		List<String> out = new ArrayList<>();
		for (int i = 0; i < 64; i++) {
			if ((bits & (1L << i)) != 0) {
				out.add(i < names.length ? names[i] : "bit" + i);
			}
		}
		return List.copyOf(out);
	}
}
