package jibril.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.layout.Counter;
import jibril.bpf.layout.DnsAnswerLayout.DnsAnswer;
import jibril.bpf.layout.DnsMessage;
import jibril.bpf.layout.FlowLayout;
import jibril.bpf.layout.FlowLayout.Flow;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.NetLayout;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.TaskFlowLayout;
import jibril.bpf.layout.TaskFlowLayout.TaskFlow;

/**
 * net.bpf.o for real, beside tasks.bpf.o under one test pin root, its cgroup programs on the root cgroup v2: TCP on
 * 127.0.0.1 and ::1, UDP on loopback, ping sockets and a DNS server in network namespaces the test creates; then
 * the facts are read back from the maps.
 */
class NetProgramTest {

	private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
	private static final int TCP_BYTES = 10_000;

	private BpfRuntime runtime;
	private BpfObject tasks;
	private BpfObject net;
	private RingBuffer ring;
	private Path pinRoot;
	private NetSupport.NetnsPair netns;
	/** The pair copies of task_flow notices, by (task key, flow key), in arrival order. */
	private final java.util.Map<List<Long>, List<TaskFlow>> pairCopies = new java.util.concurrent.ConcurrentHashMap<>();
	private final List<Notice> notices = new ArrayList<>();
	/** The flows that new task_flow pairs' notices carried, by flow key (the latest). */
	private final java.util.Map<Long, Flow> noticedFlows = new java.util.HashMap<>();
	private final List<BpfLink> links = new ArrayList<>();
	private long me;

	@BeforeEach
	void setUp() throws Exception {
		KernelSupport.assumeEbpf();
		pinRoot = KernelSupport.uniquePinRoot();
		runtime = new BpfRuntime((level, message) -> {
		});
		long pid = ProcessHandle.current().pid();
		me = Keys.taskKey((int) pid, KernelSupport.startTicks(pid) * Keys.NSEC_PER_TICK);
	}

	@AfterEach
	void tearDown() throws Exception {
		try {
			// closing the objects destroys their links: the cgroup programs are detached
			KernelSupport.closeAll(ring, net, tasks, runtime, netns);
		} finally {
			if (pinRoot != null) {
				BpfRuntime.unpinAll(pinRoot);
			}
		}
	}

	private void loadAndAttach(int flowsMax) {
		tasks = runtime.openBundled("tasks", pinRoot);
		tasks.map("tasks").setMaxEntries(8192);
		tasks.load();
		links.addAll(tasks.attachAll());
		net = runtime.openBundled("net", pinRoot);
		net.map("tasks").setMaxEntries(8192); // shared maps must agree with the pinned ones
		net.map("flows").setMaxEntries(flowsMax);
		net.load();
		assertEquals(pinRoot.resolve("tasks"), net.map("tasks").pinPath(), "net shares the tasks map");
		Path cgroup = BpfRuntime.cgroup2Root();
		List<BpfLink> netLinks = net.attachAll(cgroup);
		assertEquals(net.programs().size(), netLinks.size(), "every program attached, the cgroup ones to " + cgroup);
		links.addAll(netLinks);
		ring = runtime.ringBuffer(net.map("notices"), r -> {
			Notice n = Notice.decode(r);
			notices.add(n);
			if (n.kind() == NoticeLayout.KIND_TASK_FLOW && r.remaining() >= NoticeLayout.FLOW_OFFSET + FlowLayout.SIZE) {
				noticedFlows.put(n.seq(), Flow.decode(r.slice(NoticeLayout.FLOW_OFFSET, FlowLayout.SIZE)));
			}
			if (n.kind() == NoticeLayout.KIND_TASK_FLOW) { // every pair notice carries the pair as it left it
				int at = r.remaining() >= NoticeLayout.FLOW_PAIR_OFFSET + TaskFlowLayout.SIZE
						? NoticeLayout.FLOW_PAIR_OFFSET : NoticeLayout.FLOW_BITS_PAIR_OFFSET;
				if (r.remaining() >= at + TaskFlowLayout.SIZE) {
					pairCopies.computeIfAbsent(List.of(n.key(), n.seq()), k -> new java.util.ArrayList<>())
							.add(TaskFlow.decode(r.slice(at, TaskFlowLayout.SIZE).order(java.nio.ByteOrder.nativeOrder())));
				}
			}
		});
	}

	@Test
	void tcpOverIpv4AndIpv6LoopbackIsRecordedWithItsProcess() throws Exception {
		loadAndAttach(65536);
		for (String host : List.of("127.0.0.1", "::1")) {
			InetAddress lo = InetAddress.getByName(host);
			int family = lo.getAddress().length == 4 ? NetLayout.AF_INET : NetLayout.AF_INET6;
			try (ServerSocket server = new ServerSocket()) {
				server.bind(new InetSocketAddress(lo, 0));
				Socket client = new Socket();
				client.connect(server.getLocalSocketAddress(), 5000);
				Socket accepted = server.accept();
				byte[] data = new byte[TCP_BYTES];
				ThreadLocalRandom.current().nextBytes(data);
				OutputStream cout = client.getOutputStream();
				cout.write(data);
				cout.flush();
				assertTrue(Arrays.equals(data, accepted.getInputStream().readNBytes(TCP_BYTES)));
				accepted.getOutputStream().write(data);
				assertTrue(Arrays.equals(data, client.getInputStream().readNBytes(TCP_BYTES)));
				int cport = client.getLocalPort();
				int sport = server.getLocalPort();
				client.close(); // the client ends the connection
				InputStream sin = accepted.getInputStream();
				assertEquals(-1, sin.read());
				accepted.close();

				long ck = Keys.flowKey(NetLayout.PROTO_TCP, lo, cport, lo, sport);
				long sk = Keys.flowKey(NetLayout.PROTO_TCP, lo, sport, lo, cport);
				Flow c = awaitFlow(ck, f -> f.has(NetLayout.FLOW_CLOSED) && f.bytesIn() >= TCP_BYTES);
				Flow s = awaitFlow(sk, f -> f.has(NetLayout.FLOW_CLOSED) && f.bytesIn() >= TCP_BYTES);
				for (Flow f : List.of(c, s)) {
					assertEquals(NetLayout.PROTO_TCP, f.proto(), f.toString());
					assertEquals(family, f.family(), f.toString());
					assertEquals(lo, f.local());
					assertEquals(lo, f.remote());
					assertTrue(f.has(NetLayout.FLOW_ESTABLISHED | NetLayout.FLOW_CLOSED), f.toString());
					assertTrue(f.bytesOut() >= TCP_BYTES && f.bytesIn() >= TCP_BYTES, f.toString());
					assertTrue(f.packetsOut() >= 1 && f.packetsIn() >= 1, f.toString());
					assertTrue(f.firstNs() > 0 && f.firstNs() <= f.lastNs() && f.lastNs() <= BpfRuntime.bootTimeNanos());
					assertTrue(f.gen() > 0);
					assertEquals("CLOSE", NetLayout.tcpStateName(f.state()), f.toString());
				}
				assertEquals(cport, c.localPort());
				assertEquals(sport, c.remotePort());
				assertEquals(ck, c.key());
				assertEquals("local", c.initiator(), c.toString());
				assertEquals("local", c.endedBy(), c.toString());
				assertEquals("remote", s.initiator(), s.toString());
				assertEquals("remote", s.endedBy(), s.toString());
				assertFalse(c.has(NetLayout.FLOW_RST_IN) || c.has(NetLayout.FLOW_RST_OUT), c.toString());

				TaskFlow ct = awaitTaskFlow(me, ck, NetLayout.ACT_CONNECT | NetLayout.ACT_SEND | NetLayout.ACT_RECV);
				TaskFlow st = awaitTaskFlow(me, sk, NetLayout.ACT_ACCEPT | NetLayout.ACT_SEND | NetLayout.ACT_RECV);
				assertFalse(ct.has(NetLayout.ACT_ACCEPT), ct.actionNames().toString());
				assertFalse(st.has(NetLayout.ACT_CONNECT), st.actionNames().toString());
				assertTrue(ct.firstNs() <= ct.lastNs() && ct.gen() > 0);
				System.out.printf("[net] %s client %s actions %s%n[net] %s server %s actions %s%n", host, c,
						ct.actionNames(), host, s, st.actionNames());
				awaitNotice(NoticeLayout.KIND_FLOW_NEW, ck, -1);
				Notice cn = awaitNotice(NoticeLayout.KIND_TASK_FLOW, me, ck);
				awaitNotice(NoticeLayout.KIND_TASK_FLOW, me, sk);
				// The new pair's notice carried its generation and the flow as it was (same tuple as the map's).
				assertTrue(cn.gen() > 0 && cn.gen() <= ct.gen(), cn + " vs " + ct);
				Flow noticed = noticedFlows.get(ck);
				assertNotNull(noticed, "the client pair's notice carried its flow");
				assertEquals(c.localPort(), noticed.localPort());
				assertEquals(c.remotePort(), noticed.remotePort());
				assertEquals(c.remote(), noticed.remote());
				// Together the copies the client pair's notices carried hold its actions, with its first time.
				drainNotices();
				TaskFlow nowCt = awaitTaskFlow(me, ck, NetLayout.ACT_CONNECT);
				long union = 0;
				for (TaskFlow copy : pairCopies.getOrDefault(List.of(me, ck), List.of())) {
					union |= copy.actions();
					assertEquals(nowCt.firstNs(), copy.firstNs(), copy.toString());
					assertTrue(copy.gen() > 0 && copy.gen() <= nowCt.gen(), copy + " vs " + nowCt);
				}
				assertEquals(nowCt.actions(), union, "the copies hold the pair's actions");
			}
		}
		assertNotNull(net.map("tasks").lookup(KernelSupport.u64(me)), "the test JVM is in the tasks map");
		BpfMap counters = net.map("counters");
		assertEquals(0, counters.sumPerCpuLong(Counter.FLOWS_FULL.index()));
		assertEquals(0, counters.sumPerCpuLong(Counter.TASK_FLOWS_FULL.index()));
		assertTrue(counters.sumPerCpuLong(Counter.FLOWS.index()) >= 4);
		assertTrue(counters.sumPerCpuLong(Counter.PACKETS.index()) >= 8);

		// net_seq is the pairs' own counter (flows take theirs from flow_seq): with no notice lost, every value it
		// gave out is the generation of a pair's notice, so a sweep that saw them all may skip its walk.
		drainNotices();
		assertEquals(0, counters.sumPerCpuLong(Counter.NOTICE_LOST.index()));
		long pairSeq = KernelSupport.u64(net.map(NetLayout.MAP_NET_SEQ).lookup(KernelSupport.u32(0)), 0);
		long flowSeq = KernelSupport.u64(net.map(NetLayout.MAP_FLOW_SEQ).lookup(KernelSupport.u32(0)), 0);
		java.util.Set<Long> pairGens = new java.util.TreeSet<>();
		for (Notice n : notices) {
			if (n.kind() == NoticeLayout.KIND_TASK_FLOW) {
				pairGens.add(n.gen());
			}
		}
		java.util.Set<Long> all = new java.util.TreeSet<>();
		for (long g = 1; g <= pairSeq; g++) {
			all.add(g);
		}
		assertEquals(all, pairGens, "net_seq " + pairSeq + ": one value per pair notice, no holes");
		assertTrue(flowSeq >= 4, "flow_seq counts the flows' generations: " + flowSeq);
	}

	@Test
	void aThousandIdenticalUdpSendsAreOneFlowWithCountersAndFewNotices() throws Exception {
		loadAndAttach(65536);
		InetAddress lo = InetAddress.getByName("127.0.0.1");
		InetAddress any = InetAddress.getByName("0.0.0.0");
		int n = 1000;
		int size = 100;
		try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(lo, 0));
				DatagramSocket client = new DatagramSocket()) {
			server.setSoTimeout(5000);
			byte[] payload = new byte[size];
			DatagramPacket p = new DatagramPacket(payload, size, server.getLocalSocketAddress());
			for (int i = 0; i < n; i++) {
				client.send(p);
			}
			DatagramPacket in = new DatagramPacket(new byte[size], size);
			server.receive(in);
			server.send(new DatagramPacket(payload, size, in.getSocketAddress())); // one reply
			client.setSoTimeout(5000);
			client.receive(new DatagramPacket(new byte[size], size));
			int cport = client.getLocalPort();
			int sport = server.getLocalPort();

			// client: an unconnected socket bound to the wildcard, so its local address is the wildcard
			long ck = Keys.flowKey(NetLayout.PROTO_UDP, any, cport, lo, sport);
			long sk = Keys.flowKey(NetLayout.PROTO_UDP, lo, sport, lo, cport);
			Flow c = awaitFlow(ck, f -> f.packetsOut() >= n && f.packetsIn() >= 1);
			assertEquals(NetLayout.PROTO_UDP, c.proto());
			assertEquals(NetLayout.AF_INET, c.family());
			assertEquals(any, c.local());
			assertEquals(lo, c.remote());
			assertEquals("local", c.initiator(), c.toString());
			assertTrue(c.bytesOut() >= (long) n * (size + 28), c.toString());
			Flow s = awaitFlow(sk, f -> f.packetsIn() >= 1 && f.packetsOut() >= 1);
			assertEquals("remote", s.initiator(), s.toString());
			TaskFlow ct = awaitTaskFlow(me, ck, NetLayout.ACT_SEND | NetLayout.ACT_RECV);
			awaitTaskFlow(me, sk, NetLayout.ACT_RECV | NetLayout.ACT_SEND);
			System.out.printf("[net] udp client %s actions %s%n[net] udp server %s%n", c, ct.actionNames(), s);

			long entries = countFlows(f -> f.proto() == NetLayout.PROTO_UDP && f.localPort() == cport
					&& f.remotePort() == sport);
			assertEquals(1, entries, "one flows entry for " + n + " sends");
			drainNotices();
			long flowNew = notices.stream().filter(x -> x.kind() == NoticeLayout.KIND_FLOW_NEW && x.key() == ck)
					.count();
			long pair = notices.stream().filter(x -> x.kind() == NoticeLayout.KIND_TASK_FLOW && x.seq() == ck).count();
			assertEquals(1, flowNew, "one NOTICE_FLOW_NEW for the client flow");
			assertTrue(pair >= 1 && pair <= 2, "NOTICE_TASK_FLOW for the client flow: " + pair + " (send, recv)");
		}
	}

	@Test
	void pingSocketsAndADnsAnswerInNetworkNamespaces() throws Exception {
		loadAndAttach(65536);
		netns = new NetSupport.NetnsPair();
		netns.allowPing(netns.a);
		InetAddress lo4 = InetAddress.getByName("127.0.0.1");
		InetAddress lo6 = InetAddress.getByName("::1");
		InetAddress any4 = InetAddress.getByName("0.0.0.0");
		InetAddress any6 = InetAddress.getByName("::");

		// ICMP echo through ping sockets, inside namespace a (the host's ping_group_range may forbid them)
		for (InetAddress to : List.of(lo4, netns.addrB, lo6)) {
			int id = NetSupport.inNetns(netns.a, () -> NetSupport.ping(to));
			boolean v6 = to.getAddress().length == 16;
			int proto = v6 ? NetLayout.PROTO_ICMPV6 : NetLayout.PROTO_ICMP;
			long k = Keys.flowKey(proto, v6 ? any6 : any4, id, to, 0);
			Flow f = awaitFlow(k, x -> x.packetsOut() >= 1 && x.packetsIn() >= 1);
			assertEquals(proto, f.proto(), f.toString());
			assertEquals(to, f.remote());
			assertEquals(id, f.localPort());
			assertEquals("local", f.initiator(), f.toString());
			TaskFlow t = awaitTaskFlow(me, k, NetLayout.ACT_SEND | NetLayout.ACT_RECV);
			System.out.printf("[net] ping %s: %s actions %s%n", to.getHostAddress(), f, t.actionNames());
		}

		// DNS: a server on port 53 in namespace b answers a client in namespace a with a CNAME and two A records
		String name = "www.example.test";
		String canonical = "web.example.test";
		InetAddress a1 = InetAddress.getByName("10.200." + netns.subnet + ".77");
		InetAddress a2 = InetAddress.getByName("10.200." + netns.subnet + ".78");
		DnsServer server = new DnsServer(netns.b, netns.addrB, name, canonical, a1, a2);
		try {
			int id = ThreadLocalRandom.current().nextInt(0x10000);
			int[] clientPort = new int[1];
			byte[] answer = NetSupport.inNetns(netns.a, () -> {
				try (DatagramSocket s = new DatagramSocket()) {
					s.setSoTimeout(5000);
					byte[] q = DnsServer.query(id, name);
					s.send(new DatagramPacket(q, q.length, new InetSocketAddress(netns.addrB, 53)));
					DatagramPacket r = new DatagramPacket(new byte[512], 512);
					s.receive(r);
					clientPort[0] = s.getLocalPort();
					return Arrays.copyOf(r.getData(), r.getLength());
				}
			});
			server.await();
			DnsMessage clientView = DnsMessage.parse(answer);
			assertEquals(List.of(canonical), clientView.cnameChain(), "the client got the answer");

			long fk = Keys.flowKey(NetLayout.PROTO_UDP, any4, clientPort[0], netns.addrB, 53);
			Flow f = awaitFlow(fk, x -> x.packetsIn() >= 1);
			assertEquals(netns.addrB, f.remote());
			assertEquals(53, f.remotePort());
			awaitTaskFlow(me, fk, NetLayout.ACT_SEND | NetLayout.ACT_RECV);
			Notice dnsNotice = awaitNotice(NoticeLayout.KIND_DNS, -1, fk);
			byte[] value = net.map("dns_answers").lookup(KernelSupport.u64(dnsNotice.key()));
			assertNotNull(value, "the dns_answers entry of " + dnsNotice);
			DnsAnswer d = DnsAnswer.decode(ByteBuffer.wrap(value));
			assertEquals(fk, d.flowKey());
			assertEquals(dnsNotice.key(), d.key());
			assertFalse(d.truncated());
			assertTrue(Arrays.equals(answer, d.payload()), "the kernel kept the payload as received");
			DnsMessage m = d.message();
			assertTrue(m.complete(), m.error());
			assertEquals(id, m.id());
			assertEquals(name, m.question());
			assertEquals(List.of(canonical), m.cnameChain());
			assertEquals(List.of(new DnsMessage.Address(canonical, a1, 300), new DnsMessage.Address(canonical, a2, 300)),
					m.addresses());
			System.out.printf("[net] dns %s -> %s -> %s (flow %s)%n", m.question(), m.cnameChain(), m.addresses(), f);
			// userland deletes what it has read
			assertTrue(net.map("dns_answers").delete(KernelSupport.u64(d.key())));
			assertTrue(net.map("counters").sumPerCpuLong(Counter.DNS_ANSWERS.index()) >= 1);
		} finally {
			server.close();
		}
	}

	@Test
	void sendmmsgAndRecvmmsgAttributeEveryPeer() throws Exception {
		loadAndAttach(65536);
		InetAddress lo = InetAddress.getByName("127.0.0.1");
		InetAddress any = InetAddress.getByName("0.0.0.0");
		NetSupport.C c = NetSupport.C.INSTANCE;
		int client = NetSupport.udpSocket(null); // not bound: the first sendmmsg binds it
		int server = NetSupport.udpSocket(lo);
		int other = NetSupport.udpSocket(lo);
		try {
			InetSocketAddress s1 = new InetSocketAddress(lo, NetSupport.localPort(server));
			InetSocketAddress s2 = new InetSocketAddress(lo, NetSupport.localPort(other));
			try (com.sun.jna.Memory v = NetSupport.mmsgVector(List.of(s1, s2, s1), 16)) {
				assertEquals(3, c.sendmmsg(client, v, 3, 0), "sendmmsg, unbound socket");
				assertEquals(3, c.sendmmsg(client, v, 3, 0), "sendmmsg, bound socket");
			}
			int cport = NetSupport.localPort(client);
			// the server receives 4 datagrams from the client and answers one from a second sender
			try (DatagramSocket second = new DatagramSocket()) {
				second.send(new DatagramPacket(new byte[16], 16, s1));
				List<InetSocketAddress> slots = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					slots.add(null);
				}
				int got = 0;
				try (com.sun.jna.Memory v = NetSupport.mmsgVector(slots, 16)) {
					while (got < 5) {
						int n = c.recvmmsg(server, v.share((long) got * NetSupport.MMSGHDR), 5 - got, 0, null);
						assertTrue(n > 0, "recvmmsg: errno " + com.sun.jna.Native.getLastError());
						got += n;
					}
				}
				long toS1 = Keys.flowKey(NetLayout.PROTO_UDP, any, cport, lo, s1.getPort());
				long toS2 = Keys.flowKey(NetLayout.PROTO_UDP, any, cport, lo, s2.getPort());
				assertTrue(awaitFlow(toS1, f -> f.packetsOut() >= 4).has(NetLayout.FLOW_INIT_LOCAL));
				awaitFlow(toS2, f -> f.packetsOut() >= 2);
				awaitTaskFlow(me, toS1, NetLayout.ACT_SEND);
				awaitTaskFlow(me, toS2, NetLayout.ACT_SEND);
				long fromClient = Keys.flowKey(NetLayout.PROTO_UDP, lo, s1.getPort(), lo, cport);
				long fromSecond = Keys.flowKey(NetLayout.PROTO_UDP, lo, s1.getPort(), lo, second.getLocalPort());
				awaitTaskFlow(me, fromClient, NetLayout.ACT_RECV);
				awaitTaskFlow(me, fromSecond, NetLayout.ACT_RECV);
			}
		} finally {
			c.close(client);
			c.close(server);
			c.close(other);
		}
	}

	@Test
	void aFullFlowsMapCountsWhatItCannotHold() throws Exception {
		loadAndAttach(8);
		InetAddress lo = InetAddress.getByName("127.0.0.1");
		int got = 0;
		try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(lo, 0))) {
			server.setSoTimeout(5000);
			for (int i = 0; i < 32; i++) {
				try (DatagramSocket client = new DatagramSocket()) {
					client.send(new DatagramPacket(new byte[8], 8, server.getLocalSocketAddress()));
				}
				server.receive(new DatagramPacket(new byte[8], 8));
				got++;
			}
		}
		assertEquals(32, got, "the cgroup programs let every packet through, full map or not");
		long full = net.map("counters").sumPerCpuLong(Counter.FLOWS_FULL.index());
		assertTrue(full > 0, "CNT_FLOWS_FULL counted the flows that did not fit");
		assertTrue(countFlows(f -> true) <= 8);
		System.out.printf("[net] flows map of 8 entries: %d updates counted as full%n", full);

		// closing the object detaches the cgroup programs from the root cgroup
		Path cgroup = BpfRuntime.cgroup2Root();
		List<Integer> ids = List.of(net.program("jibril_ingress").id(), net.program("jibril_egress").id());
		assertTrue(cgroupProgramIds(cgroup).containsAll(ids), "bpftool cgroup show lists " + ids);
		ring.close();
		net.close();
		List<Integer> left = cgroupProgramIds(cgroup);
		left.retainAll(ids);
		assertEquals(List.of(), left, "cgroup programs left attached after close");
	}

	private static List<Integer> cgroupProgramIds(Path cgroup) throws Exception {
		List<Integer> ids = new ArrayList<>();
		for (String line : KernelSupport.run(KernelSupport.bpftool(), "cgroup", "show", cgroup.toString()).split("\n")) {
			String[] f = line.trim().split("\\s+");
			if (f.length > 1 && f[0].matches("\\d+")) {
				ids.add(Integer.parseInt(f[0]));
			}
		}
		return ids;
	}

	@Test
	void costsPrinted() throws Exception {
		InetAddress lo = InetAddress.getByName("127.0.0.1");
		int sends = 20_000;
		loadAndAttach(65536);
		udpSendNanos(lo, sends, false); // warm the JIT up
		udpSendNanos(lo, sends, true);
		double[] unconnected = { Double.MAX_VALUE, Double.MAX_VALUE };
		double[] connected = { Double.MAX_VALUE, Double.MAX_VALUE };
		for (int round = 0; round < 5; round++) {
			for (int on = 0; on < 2; on++) {
				detachAll();
				if (on == 1) {
					links.addAll(tasks.attachAll());
					links.addAll(net.attachAll(BpfRuntime.cgroup2Root()));
				}
				unconnected[on] = Math.min(unconnected[on], udpSendNanos(lo, sends, false));
				connected[on] = Math.min(connected[on], udpSendNanos(lo, sends, true));
			}
		}
		// best of 5 rounds each, on 2 shared cores: figures, not assertions. A send on loopback runs the send
		// hooks, the egress program and the receiver's ingress program.
		System.out.printf("[net] cost: UDP sendto of 64 B on loopback, unconnected socket: %.0f ns detached, %.0f ns"
				+ " attached (%+.0f ns)%n", unconnected[0], unconnected[1], unconnected[1] - unconnected[0]);
		System.out.printf("[net] cost: UDP send of 64 B on loopback, connected socket: %.0f ns detached, %.0f ns"
				+ " attached (%+.0f ns)%n", connected[0], connected[1], connected[1] - connected[0]);
		long packets = net.map("counters").sumPerCpuLong(Counter.PACKETS.index());
		System.out.printf("[net] cost: %d packets counted by the cgroup programs during the test%n", packets);
	}

	/** Destroys every link of both objects (each object also remembers them for close). */
	private void detachAll() {
		for (BpfLink l : links) {
			l.close();
		}
		links.clear();
	}

	// ---- helpers

	private static double udpSendNanos(InetAddress lo, int sends, boolean connect) throws Exception {
		try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(lo, 0));
				DatagramSocket client = new DatagramSocket()) {
			if (connect) {
				client.connect(server.getLocalSocketAddress());
			}
			DatagramPacket p = new DatagramPacket(new byte[64], 64, server.getLocalSocketAddress());
			for (int i = 0; i < 2000; i++) {
				client.send(p); // warm up
			}
			long t0 = System.nanoTime();
			for (int i = 0; i < sends; i++) {
				client.send(p);
			}
			return (System.nanoTime() - t0) / (double) sends;
		}
	}

	private Flow awaitFlow(long key, Predicate<Flow> ok) {
		long deadline = System.nanoTime() + WAIT_NANOS;
		Flow last = null;
		do {
			byte[] v = net.map("flows").lookup(KernelSupport.u64(key));
			if (v != null) {
				assertEquals(FlowLayout.SIZE, v.length);
				last = Flow.decode(ByteBuffer.wrap(v));
				assertEquals(key, last.key(), "the flow key of the entry's tuple is its key: " + last);
				if (ok.test(last)) {
					return last;
				}
			}
			ring.poll(20);
		} while (System.nanoTime() < deadline);
		return fail("flow " + Long.toHexString(key) + " not as expected within 5 s; last seen: " + last);
	}

	private TaskFlow awaitTaskFlow(long taskKey, long flowKey, long actions) {
		long deadline = System.nanoTime() + WAIT_NANOS;
		TaskFlow last = null;
		do {
			byte[] v = net.map("task_flow").lookup(TaskFlowLayout.Key.encode(taskKey, flowKey));
			if (v != null) {
				last = TaskFlow.decode(ByteBuffer.wrap(v));
				if (last.has(actions)) {
					return last;
				}
			}
			ring.poll(20);
		} while (System.nanoTime() < deadline);
		return fail("task_flow (" + Long.toHexString(taskKey) + ", " + Long.toHexString(flowKey) + ") lacks "
				+ NetLayout.actionNames(actions) + " after 5 s; last seen: "
				+ (last == null ? "none" : last.actionNames()));
	}

	/** A notice of kind with that key and seq (-1: any). */
	private Notice awaitNotice(int kind, long key, long seq) {
		long deadline = System.nanoTime() + WAIT_NANOS;
		do {
			for (Notice n : notices) {
				if (n.kind() == kind && (key == -1 || n.key() == key) && (seq == -1 || n.seq() == seq)) {
					return n;
				}
			}
			ring.poll(20);
		} while (System.nanoTime() < deadline);
		return fail("no notice of kind " + kind + " key " + Long.toHexString(key) + " seq " + Long.toHexString(seq)
				+ " among " + notices.size());
	}

	private void drainNotices() {
		for (int i = 0; i < 5; i++) {
			ring.poll(20);
		}
	}

	private long countFlows(Predicate<Flow> which) {
		long[] n = { 0 };
		net.map("flows").dump((k, v) -> {
			if (which.test(Flow.decode(v))) {
				n[0]++;
			}
		});
		return n[0];
	}

	/** A one-answer DNS server on port 53 in a network namespace, on its own thread. */
	private static final class DnsServer {
		private final Thread thread;
		private volatile Throwable failure;
		private volatile DatagramSocket socket;

		DnsServer(String ns, InetAddress addr, String name, String canonical, InetAddress a1, InetAddress a2)
				throws Exception {
			Object ready = new Object();
			boolean[] bound = { false };
			thread = Thread.ofPlatform().name("dns-" + ns).start(() -> {
				try {
					NetSupport.inNetns(ns, () -> {
						try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(addr, 53))) {
							socket = s;
							s.setSoTimeout(10_000);
							synchronized (ready) {
								bound[0] = true;
								ready.notifyAll();
							}
							DatagramPacket q = new DatagramPacket(new byte[512], 512);
							s.receive(q);
							DnsMessage query = DnsMessage.parse(Arrays.copyOf(q.getData(), q.getLength()));
							byte[] a = answer(query.id(), name, canonical, a1, a2);
							s.send(new DatagramPacket(a, a.length, q.getSocketAddress()));
						}
						return null;
					});
				} catch (Throwable e) {
					failure = e;
				} finally {
					synchronized (ready) {
						bound[0] = true;
						ready.notifyAll();
					}
				}
			});
			synchronized (ready) {
				long deadline = System.nanoTime() + WAIT_NANOS;
				while (!bound[0] && System.nanoTime() < deadline) {
					ready.wait(100);
				}
			}
			if (failure != null) {
				throw new IllegalStateException("the DNS server did not start", failure);
			}
		}

		void await() throws Exception {
			thread.join(10_000);
			if (failure != null) {
				throw new IllegalStateException("the DNS server failed", failure);
			}
		}

		void close() throws InterruptedException {
			DatagramSocket s = socket;
			if (s != null) {
				s.close();
			}
			thread.join(5000);
		}

		static byte[] query(int id, String name) {
			ByteBuffer b = ByteBuffer.allocate(512);
			b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putInt(0);
			putName(b, name);
			b.putShort((short) DnsMessage.TYPE_A).putShort((short) 1);
			return Arrays.copyOf(b.array(), b.position());
		}

		/** name CNAME canonical (compressed), canonical A a1, canonical A a2, TTL 300. */
		static byte[] answer(int id, String name, String canonical, InetAddress a1, InetAddress a2) {
			ByteBuffer b = ByteBuffer.allocate(512);
			b.putShort((short) id).putShort((short) 0x8180).putShort((short) 1).putShort((short) 3).putInt(0);
			putName(b, name);
			b.putShort((short) DnsMessage.TYPE_A).putShort((short) 1);
			b.putShort((short) 0xc00c).putShort((short) DnsMessage.TYPE_CNAME).putShort((short) 1).putInt(300);
			int lenAt = b.position();
			b.putShort((short) 0);
			int canonicalAt = b.position();
			putName(b, canonical);
			b.putShort(lenAt, (short) (b.position() - canonicalAt));
			for (InetAddress a : List.of(a1, a2)) {
				b.putShort((short) (0xc000 | canonicalAt)).putShort((short) DnsMessage.TYPE_A).putShort((short) 1)
						.putInt(300).putShort((short) 4).put(a.getAddress());
			}
			return Arrays.copyOf(b.array(), b.position());
		}

		private static void putName(ByteBuffer b, String name) {
			for (String label : name.split("\\.")) {
				b.put((byte) label.length()).put(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			}
			b.put((byte) 0);
		}
	}
}
