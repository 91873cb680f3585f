package jibril.bpf.layout;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A DNS message (RFC 1035 wire format) as far as Jibril needs it: the header, the first question, and the records
 * of the answer section, with the CNAME chain and the A/AAAA addresses they give. {@link #parse(byte[])} never
 * throws: on malformed or truncated input it returns what it could read and says why it stopped in
 * {@link #error()}.
 *
 * <p>
 * Names are written without the trailing dot ({@code www.example.com}; the root is {@code ""}), label bytes that
 * are not printable ASCII, and '.' or '\' inside a label, as {@code \DDD} like dig does. Compression pointers are
 * followed only backwards, at most {@link #MAX_POINTERS} per name, so no packet can make the parser loop.
 *
 * @param id the message id
 * @param response the QR bit: true for an answer
 * @param opcode the OPCODE (0: a standard query)
 * @param truncated the TC bit (the server truncated the answer)
 * @param rcode the RCODE (0: no error, 3: NXDOMAIN)
 * @param question the first question's name, or "" when there is none
 * @param questionType the first question's QTYPE, or 0
 * @param answers the records of the answer section that could be read, in order
 * @param error why parsing stopped before the end of the answer section, or null when it did not
 */
public record DnsMessage(int id, boolean response, int opcode, boolean truncated, int rcode, String question,
		int questionType, List<Answer> answers, String error) {

	/** TYPE A. */
	public static final int TYPE_A = 1;
	/** TYPE NS. */
	public static final int TYPE_NS = 2;
	/** TYPE CNAME. */
	public static final int TYPE_CNAME = 5;
	/** TYPE PTR. */
	public static final int TYPE_PTR = 12;
	/** TYPE AAAA. */
	public static final int TYPE_AAAA = 28;
	/** The most compression pointers followed in one name. */
	public static final int MAX_POINTERS = 32;
	/** The longest name in wire format (RFC 1035 2.3.4). */
	public static final int MAX_NAME_WIRE = 255;

	private static final int HEADER = 12;

	/** The record list is immutable. */
	public DnsMessage {
		answers = List.copyOf(answers);
	}

	/**
	 * One resource record of the answer section.
	 *
	 * @param name the owner name
	 * @param type the TYPE
	 * @param dnsClass the CLASS (1: IN)
	 * @param ttl the TTL in seconds (unsigned)
	 * @param target for CNAME, NS and PTR: the name the record points to; otherwise null
	 * @param address for A and AAAA: the address; otherwise null
	 */
	public record Answer(String name, int type, int dnsClass, long ttl, String target, InetAddress address) {
	}

	/**
	 * An address the answer gives.
	 *
	 * @param name the owner name of the A or AAAA record
	 * @param address the address
	 * @param ttl its TTL in seconds
	 */
	public record Address(String name, InetAddress address, long ttl) {
	}

	/**
	 * Whether the whole header, question and answer section were read.
	 *
	 * @return error() == null
	 */
	public boolean complete() {
		return error == null;
	}

	/**
	 * The CNAME chain from the question: each CNAME target in turn (matching names ignoring case), stopping at a
	 * name with no CNAME or at a loop.
	 *
	 * @return e.g. [web.example.com, web.cdn.example.net] for a question www.example.com; empty when none
	 */
	public List<String> cnameChain() {
		List<String> chain = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		String current = question;
		seen.add(current.toLowerCase(Locale.ROOT));
		boolean found = true;
		while (found) {
			found = false;
			for (Answer a : answers) {
				if (a.type() == TYPE_CNAME && a.target() != null && a.name().equalsIgnoreCase(current)) {
					if (!seen.add(a.target().toLowerCase(Locale.ROOT))) {
						return List.copyOf(chain);
					}
					chain.add(a.target());
					current = a.target();
					found = true;
					break;
				}
			}
		}
		return List.copyOf(chain);
	}

	/**
	 * The name the question resolves to after its CNAME chain.
	 *
	 * @return the last name of {@link #cnameChain()}, or the question
	 */
	public String canonicalName() {
		List<String> chain = cnameChain();
		return chain.isEmpty() ? question : chain.getLast();
	}

	/**
	 * Every A and AAAA record of the answer section.
	 *
	 * @return the addresses in order
	 */
	public List<Address> addresses() {
		List<Address> out = new ArrayList<>();
		for (Answer a : answers) {
			if (a.address() != null) {
				out.add(new Address(a.name(), a.address(), a.ttl()));
			}
		}
		return List.copyOf(out);
	}

	/**
	 * Parses a DNS message; never throws.
	 *
	 * @param msg the UDP payload (null is treated as empty)
	 * @return what could be read; {@link #error()} says why it stopped early
	 */
	public static DnsMessage parse(byte[] msg) {
		byte[] b = msg == null ? new byte[0] : msg;
		Parser p = new Parser(b);
		try {
			return p.parse();
		} catch (RuntimeException e) {
			// every read is bounds-checked; this is a last line of defence that still returns what was read
			return p.result("unexpected " + e);
		}
	}

	private static final class Parser {
		private final byte[] b;
		private int id;
		private int flags;
		private String question = "";
		private int qtype;
		private final List<Answer> answers = new ArrayList<>();

		Parser(byte[] b) {
			this.b = b;
		}

		DnsMessage result(String error) {
			return new DnsMessage(id, (flags & 0x8000) != 0, (flags >>> 11) & 0xf, (flags & 0x0200) != 0,
					flags & 0xf, question, qtype, answers, error);
		}

		DnsMessage parse() {
			if (b.length < HEADER) {
				return result("shorter than a DNS header: " + b.length + " bytes");
			}
			id = u16(0);
			flags = u16(2);
			int qd = u16(4);
			int an = u16(6);
			int pos = HEADER;
			for (int q = 0; q < qd; q++) {
				Name n = name(pos);
				if (n.error != null) {
					return result("question " + (q + 1) + ": " + n.error);
				}
				if (n.end + 4 > b.length) {
					return result("question " + (q + 1) + " ends after the message");
				}
				if (q == 0) {
					question = n.text;
					qtype = u16(n.end);
				}
				pos = n.end + 4;
			}
			for (int r = 0; r < an; r++) {
				Name n = name(pos);
				if (n.error != null) {
					return result("answer " + (r + 1) + ": " + n.error);
				}
				if (n.end + 10 > b.length) {
					return result("answer " + (r + 1) + " ends after the message");
				}
				int type = u16(n.end);
				int cls = u16(n.end + 2);
				long ttl = u32(n.end + 4);
				int rdlen = u16(n.end + 8);
				int rdata = n.end + 10;
				if (rdata + rdlen > b.length) {
					return result("answer " + (r + 1) + ": its data ends after the message");
				}
				String target = null;
				InetAddress address = null;
				if (type == TYPE_CNAME || type == TYPE_NS || type == TYPE_PTR) {
					Name t = name(rdata);
					if (t.error != null || t.end > rdata + rdlen) {
						return result("answer " + (r + 1) + ": bad target name"
								+ (t.error != null ? ": " + t.error : " (longer than its data)"));
					}
					target = t.text;
				} else if ((type == TYPE_A && rdlen == 4) || (type == TYPE_AAAA && rdlen == 16)) {
					address = address(rdata, rdlen);
				} else if (type == TYPE_A || type == TYPE_AAAA) {
					return result("answer " + (r + 1) + ": an address of " + rdlen + " bytes");
				}
				answers.add(new Answer(n.text, type, cls, ttl, target, address));
				pos = rdata + rdlen;
			}
			return result(null);
		}

		private record Name(String text, int end, String error) {
		}

		/** Reads the name at pos; end is where the name ends in the record (after its first pointer, if any). */
		private Name name(int pos) {
			StringBuilder sb = new StringBuilder();
			int end = -1;
			int p = pos;
			int wire = 0;
			int pointers = 0;
			while (true) {
				if (p >= b.length) {
					return new Name(sb.toString(), 0, "the name runs past the end of the message");
				}
				int len = b[p] & 0xff;
				if (len == 0) {
					if (end < 0) {
						end = p + 1;
					}
					return new Name(sb.toString(), end, null);
				}
				int kind = len & 0xc0;
				if (kind == 0xc0) {
					if (p + 1 >= b.length) {
						return new Name(sb.toString(), 0, "a compression pointer cut short");
					}
					int target = ((len & 0x3f) << 8) | (b[p + 1] & 0xff);
					if (target >= p) {
						return new Name(sb.toString(), 0, "a compression pointer that does not point backwards");
					}
					if (++pointers > MAX_POINTERS) {
						return new Name(sb.toString(), 0, "more than " + MAX_POINTERS + " compression pointers");
					}
					if (end < 0) {
						end = p + 2;
					}
					p = target;
					continue;
				}
				if (kind != 0) {
					return new Name(sb.toString(), 0, "a label of the reserved type 0x" + Integer.toHexString(kind));
				}
				wire += len + 1;
				if (wire + 1 > MAX_NAME_WIRE) {
					return new Name(sb.toString(), 0, "a name longer than " + MAX_NAME_WIRE + " bytes");
				}
				if (p + 1 + len > b.length) {
					return new Name(sb.toString(), 0, "a label runs past the end of the message");
				}
				if (!sb.isEmpty()) {
					sb.append('.');
				}
				for (int i = p + 1; i <= p + len; i++) {
					int c = b[i] & 0xff;
					if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
						sb.append((char) c);
					} else {
						sb.append('\\').append(String.format(Locale.ROOT, "%03d", c));
					}
				}
				p += len + 1;
			}
		}

		private InetAddress address(int pos, int len) {
			byte[] a = new byte[len];
			System.arraycopy(b, pos, a, 0, len);
			try {
				// an AAAA stays IPv6 even when it looks IPv4-mapped
				return len == 16 ? Inet6Address.getByAddress(null, a, null) : InetAddress.getByAddress(a);
			} catch (UnknownHostException e) {
				throw new IllegalStateException("4 or 16 bytes are always an address", e);
			}
		}

		private int u16(int pos) {
			return ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
		}

		private long u32(int pos) {
			return ((long) u16(pos) << 16) | u16(pos + 2);
		}
	}
}
