package jibril.bpf;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Network helpers of the kernel tests: a pair of network namespaces joined by a veth (created and deleted by the
 * test), running code on a thread that has entered one of them, and ping sockets through libc (Java has none).
 */
final class NetSupport {

	private NetSupport() {
	}

	/** The libc calls the tests need beyond the binding's. */
	interface C extends Library {
		C INSTANCE = Native.load("c", C.class);

		int open(String path, int flags);

		int close(int fd);

		int setns(int fd, int nstype);

		int socket(int domain, int type, int protocol);

		long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

		long recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, int[] addrlen);

		int setsockopt(int fd, int level, int name, byte[] value, int len);

		int bind(int fd, byte[] addr, int addrlen);

		int getsockname(int fd, byte[] addr, int[] addrlen);

		int sendmmsg(int fd, Pointer vec, int vlen, int flags);

		int recvmmsg(int fd, Pointer vec, int vlen, int flags, Pointer timeout);
	}

	/** sizeof(struct mmsghdr) on LP64: struct msghdr (56 bytes) and msg_len, padded. */
	static final int MMSGHDR = 64;

	/**
	 * A vector of struct mmsghdr, each with one iovec of {@code size} bytes and a sockaddr_in msg_name, in one
	 * native block (keep it while the call runs).
	 */
	static Memory mmsgVector(List<InetSocketAddress> peers, int size) {
		int n = peers.size();
		int iovAt = n * MMSGHDR;
		int nameAt = iovAt + n * 16;
		int dataAt = nameAt + n * 16;
		Memory m = new Memory(dataAt + (long) n * size);
		m.clear();
		for (int i = 0; i < n; i++) {
			long h = (long) i * MMSGHDR;
			InetSocketAddress p = peers.get(i);
			if (p != null) {
				byte[] sa = sockaddr(p.getAddress(), p.getPort());
				m.write(nameAt + i * 16L, sa, 0, 16);
			}
			m.setPointer(h, m.share(nameAt + i * 16L)); // msg_name (also for receiving)
			m.setInt(h + 8, 16); // msg_namelen
			m.setPointer(h + 16, m.share(iovAt + i * 16L)); // msg_iov
			m.setLong(h + 24, 1); // msg_iovlen
			m.setPointer(iovAt + i * 16L, m.share(dataAt + (long) i * size));
			m.setLong(iovAt + i * 16L + 8, size);
		}
		return m;
	}

	/** The port a socket is bound to (getsockname). */
	static int localPort(int fd) throws IOException {
		byte[] sa = new byte[28];
		int[] len = { sa.length };
		if (C.INSTANCE.getsockname(fd, sa, len) != 0) {
			throw new IOException("getsockname failed: errno " + Native.getLastError());
		}
		return ((sa[2] & 0xff) << 8) | (sa[3] & 0xff);
	}

	/** An IPv4 UDP socket, bound to addr:0 unless addr is null. */
	static int udpSocket(InetAddress addr) throws IOException {
		int fd = C.INSTANCE.socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0) {
			throw new IOException("socket failed: errno " + Native.getLastError());
		}
		if (addr != null) {
			byte[] sa = sockaddr(addr, 0);
			if (C.INSTANCE.bind(fd, sa, sa.length) != 0) {
				C.INSTANCE.close(fd);
				throw new IOException("bind failed: errno " + Native.getLastError());
			}
		}
		return fd;
	}

	static final int AF_INET = 2;
	static final int AF_INET6 = 10;
	static final int SOCK_DGRAM = 2;
	static final int IPPROTO_ICMP = 1;
	static final int IPPROTO_ICMPV6 = 58;
	private static final int CLONE_NEWNET = 0x40000000;
	private static final int O_RDONLY_CLOEXEC = 02000000;
	private static final int SOL_SOCKET = 1;
	private static final int SO_RCVTIMEO = 20;

	/**
	 * Two network namespaces, a and b, joined by a veth pair: 10.200.S.1/24 in a, 10.200.S.2/24 in b, loopback up
	 * in both. Nothing of it is in the host's namespace; closing deletes both namespaces (and so the veth).
	 */
	static final class NetnsPair implements AutoCloseable {
		final String a;
		final String b;
		final InetAddress addrA;
		final InetAddress addrB;
		final int subnet;
		private final List<String> created = new ArrayList<>();

		NetnsPair() throws Exception {
			String id = KernelSupport.random();
			a = "jibril-" + id + "-a";
			b = "jibril-" + id + "-b";
			subnet = ThreadLocalRandom.current().nextInt(256);
			addrA = InetAddress.getByName("10.200." + subnet + ".1");
			addrB = InetAddress.getByName("10.200." + subnet + ".2");
			try {
				ip("netns", "add", a);
				created.add(a);
				ip("netns", "add", b);
				created.add(b);
				String va = "jv" + id + "a";
				String vb = "jv" + id + "b";
				ip("-n", a, "link", "add", va, "type", "veth", "peer", "name", vb, "netns", b);
				ip("-n", a, "addr", "add", addrA.getHostAddress() + "/24", "dev", va);
				ip("-n", b, "addr", "add", addrB.getHostAddress() + "/24", "dev", vb);
				for (String[] nsDev : new String[][] { { a, va }, { b, vb }, { a, "lo" }, { b, "lo" } }) {
					ip("-n", nsDev[0], "link", "set", nsDev[1], "up");
				}
			} catch (Exception e) {
				try {
					close();
				} catch (Exception suppressed) {
					e.addSuppressed(suppressed);
				}
				throw e;
			}
		}

		/** Lets ping sockets be opened by every group in namespace ns (a per-namespace sysctl). */
		void allowPing(String ns) throws Exception {
			ip("netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647");
		}

		@Override
		public void close() throws Exception {
			Exception first = null;
			for (String ns : created.reversed()) {
				try {
					ip("netns", "del", ns);
				} catch (Exception e) {
					if (first == null) {
						first = e;
					} else {
						first.addSuppressed(e);
					}
				}
			}
			created.clear();
			if (first != null) {
				throw first;
			}
		}

		private static void ip(String... args) throws IOException, InterruptedException {
			String[] cmd = new String[args.length + 1];
			cmd[0] = "ip";
			System.arraycopy(args, 0, cmd, 1, args.length);
			KernelSupport.run(cmd);
		}
	}

	/**
	 * Runs body on a new platform thread that first enters the named network namespace (setns affects only the
	 * calling thread; the thread ends with the body, so no other code ever runs in the namespace).
	 */
	static <T> T inNetns(String ns, Callable<T> body) throws Exception {
		AtomicReference<T> result = new AtomicReference<>();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Thread t = Thread.ofPlatform().name("netns-" + ns).start(() -> {
			try {
				int fd = C.INSTANCE.open("/var/run/netns/" + ns, O_RDONLY_CLOEXEC);
				if (fd < 0) {
					throw new IOException("cannot open /var/run/netns/" + ns + ": errno " + Native.getLastError());
				}
				try {
					if (C.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
						throw new IOException("setns(" + ns + ") failed: errno " + Native.getLastError());
					}
				} finally {
					C.INSTANCE.close(fd);
				}
				result.set(body.call());
			} catch (Throwable e) {
				failure.set(e);
			}
		});
		t.join();
		if (failure.get() instanceof Exception e) {
			throw e;
		}
		if (failure.get() != null) {
			throw new IllegalStateException(failure.get());
		}
		return result.get();
	}

	/**
	 * One echo request and its reply through a ping socket (SOCK_DGRAM, IPPROTO_ICMP or ICMPV6); the kernel
	 * chooses the identifier.
	 *
	 * @return the echo identifier of the reply, which is the socket's "port"
	 */
	static int ping(InetAddress to) throws IOException {
		boolean v6 = to.getAddress().length == 16;
		C c = C.INSTANCE;
		int fd = c.socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
		if (fd < 0) {
			throw new IOException("cannot open a ping socket: errno " + Native.getLastError()
					+ " (is net.ipv4.ping_group_range open for this group?)");
		}
		try {
			byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(5).putLong(0).array();
			c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, timeout.length);
			byte[] payload = "jibril ping test payload".getBytes(StandardCharsets.US_ASCII);
			byte[] req = new byte[8 + payload.length];
			req[0] = (byte) (v6 ? 128 : 8);
			req[7] = 1; // sequence 1
			System.arraycopy(payload, 0, req, 8, payload.length);
			byte[] sa = sockaddr(to, 0);
			if (c.sendto(fd, req, req.length, 0, sa, sa.length) != req.length) {
				throw new IOException("ping sendto failed: errno " + Native.getLastError());
			}
			byte[] reply = new byte[256];
			byte[] from = new byte[28];
			int[] fromLen = { from.length };
			long n = c.recvfrom(fd, reply, reply.length, 0, from, fromLen);
			if (n < 8) {
				throw new IOException("no echo reply from " + to + ": errno " + Native.getLastError());
			}
			if ((reply[0] & 0xff) != (v6 ? 129 : 0)) {
				throw new IOException("not an echo reply: type " + (reply[0] & 0xff));
			}
			return ((reply[4] & 0xff) << 8) | (reply[5] & 0xff);
		} finally {
			c.close(fd);
		}
	}

	/** struct sockaddr_in or sockaddr_in6. */
	static byte[] sockaddr(InetAddress a, int port) {
		byte[] raw = a.getAddress();
		ByteBuffer b = ByteBuffer.allocate(raw.length == 4 ? 16 : 28).order(ByteOrder.nativeOrder());
		b.putShort(0, (short) (raw.length == 4 ? AF_INET : AF_INET6));
		b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port);
		b.put(raw.length == 4 ? 4 : 8, raw);
		return b.array();
	}
}
