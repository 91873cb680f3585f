package jibril.netpolicy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.BpfRuntime;
import jibril.bpf.RingBuffer;
import jibril.bpf.layout.NetPolicyLayout;

/**
 * The netpolicy programs on the real kernel, attached to a cgroup of this test's own (so nothing else on the host
 * is affected): a probe process in that cgroup tries TCP connects and UDP sends and says what the kernel answered
 * (EPERM: refused by the policy; ECONNREFUSED: let through, nobody listens). Needs root.
 */
class KernelTest {

    private static final String PROBE = """
            import socket, sys, errno
            for line in sys.stdin:
                kind, addr, port = line.split()
                fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
                try:
                    if kind == 'tcp':
                        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2); s.connect((addr, int(port)))
                    else:
                        s = socket.socket(fam, socket.SOCK_DGRAM); s.sendto(b'x', (addr, int(port)))
                    r = 'OK'
                except OSError as e:
                    r = errno.errorcode.get(e.errno, str(e.errno))
                s.close()
                print(r, flush=True)
            """;

    private BpfRuntime rt;
    private Path dir;
    private Path cgroup;
    private Process probe;
    private Writer probeIn;
    private BufferedReader probeOut;
    private final List<Kernel> kernels = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        rt = new BpfRuntime((level, msg) -> {
        });
        String id = "jibril-nptest-" + ProcessHandle.current().pid();
        dir = Path.of("/sys/fs/bpf", id);
        cgroup = BpfRuntime.cgroup2Root().resolve(id);
        Files.createDirectories(cgroup);
        probe = new ProcessBuilder("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs")
                + " && exec python3 -u -c \"$0\"", PROBE).redirectErrorStream(true).start();
        probeIn = new OutputStreamWriter(probe.getOutputStream(), StandardCharsets.UTF_8);
        probeOut = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (probe != null) {
            probe.destroyForcibly().waitFor();
        }
        kernels.forEach(Kernel::close);
        if (dir != null) {
            BpfRuntime.unpinAll(dir);
        }
        if (cgroup != null) {
            for (int i = 0; i < 50 && Files.exists(cgroup); i++) {
                try {
                    Files.deleteIfExists(cgroup);
                } catch (IOException busy) {
                    Thread.sleep(100);
                }
            }
        }
        if (rt != null) {
            rt.close();
        }
    }

    private Kernel kernel() {
        Kernel k = new Kernel(rt, dir, cgroup, msg -> {
        });
        k.start();
        kernels.add(k);
        return k;
    }

    private String attempt(String kind, String addr) throws IOException {
        probeIn.write(kind + " " + addr + " 9\n");
        probeIn.flush();
        String r = probeOut.readLine();
        return r;
    }

    private static Map<Cidr, Policy.Action> rules(String... pairs) {
        Map<Cidr, Policy.Action> m = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(Cidr.parse(pairs[i]), Policy.Action.valueOf(pairs[i + 1].toUpperCase()));
        }
        return m;
    }

    @Test
    void longestPrefixWinsForTcpUdpV4AndV6() throws Exception {
        Kernel k = kernel();
        assertFalse(k.adopted());
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.17"), "no policy yet");
        k.install(Policy.Mode.ENFORCE, Policy.Action.ALLOW, rules("127.0.0.16/28", "deny", "127.0.0.18", "allow",
                "::1", "deny", "127.0.1.0/24", "allow", "127.0.1.7", "deny"));
        assertEquals("EPERM", attempt("tcp", "127.0.0.17"));
        assertEquals("EPERM", attempt("udp", "127.0.0.17"));
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.18"), "the /32 allow inside the denied /28");
        assertEquals("OK", attempt("udp", "127.0.0.18"));
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.40"), "no rule: the default allows");
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.1.6"));
        assertEquals("EPERM", attempt("tcp", "127.0.1.7"), "the /32 deny inside the allowed /24");
        assertEquals("EPERM", attempt("tcp", "::1"));
        assertEquals("EPERM", attempt("udp", "::1"));
        assertEquals("EPERM", attempt("tcp", "::ffff:127.0.0.17"), "IPv4-mapped IPv6 reaches the IPv4 rule");
        // default deny
        k.install(Policy.Mode.ENFORCE, Policy.Action.DENY, rules("127.0.0.0/8", "allow", "127.0.0.17", "deny"));
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.5"));
        assertEquals("EPERM", attempt("tcp", "127.0.0.17"));
        assertEquals("EPERM", attempt("tcp", "192.0.2.1"));
        assertEquals("EPERM", attempt("tcp", "::1"));
        long hits = k.hits(k.active().get(Cidr.parse("127.0.0.0/8")).index());
        assertTrue(hits >= 1, "hits of 127.0.0.0/8: " + hits);
        assertTrue(k.hits(0) >= 2, "default hits " + k.hits(0));
        // bypass: nothing checked
        k.install(Policy.Mode.BYPASS, Policy.Action.DENY, rules("127.0.0.17", "deny"));
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.17"));
        assertEquals("OK", attempt("udp", "127.0.0.17"));
    }

    @Test
    void alertLetsThroughAndNotifiesBothRefusesAndNotifiesEnforceOnlyRefuses() throws Exception {
        Kernel k = kernel();
        List<NetPolicyLayout.Drop> drops = new ArrayList<>();
        try (RingBuffer rb = k.drops(r -> drops.add(NetPolicyLayout.Drop.decode(r)))) {
            k.install(Policy.Mode.ALERT, Policy.Action.ALLOW, rules("127.0.0.17", "deny"));
            assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.17"));
            rb.consume();
            assertEquals(1, drops.size());
            NetPolicyLayout.Drop d = drops.get(0);
            assertFalse(d.blocked());
            assertEquals(4, d.family());
            assertEquals("127.0.0.17", Cidr.format(d.raddr()));
            assertEquals(9, d.rport());
            assertEquals(probe.pid(), d.tgid());
            assertEquals("python3", d.comm());
            assertEquals(NetPolicyLayout.HOOK_CONNECT, d.hook());
            assertEquals(6, d.proto());

            drops.clear();
            k.install(Policy.Mode.ENFORCE, Policy.Action.ALLOW, rules("127.0.0.18", "deny"));
            assertEquals("EPERM", attempt("tcp", "127.0.0.18"));
            rb.consume();
            assertEquals(0, drops.size(), "enforce refuses without notices");

            k.install(Policy.Mode.BOTH, Policy.Action.ALLOW, rules("::1", "deny"));
            assertEquals("EPERM", attempt("udp", "::1"));
            rb.consume();
            assertEquals(1, drops.size());
            assertTrue(drops.get(0).blocked());
            assertEquals(6, drops.get(0).family());
            assertEquals("::1", Cidr.format(drops.get(0).raddr()));
            assertEquals(NetPolicyLayout.HOOK_SENDMSG, drops.get(0).hook());
            assertEquals(Map.of("decisions", 3L, "denied", 3L, "blocked", 2L, "notices_lost", 0L, "answers", 0L,
                    "answers_dropped", 0L, "answers_unparsed", 0L), k.counters());
        }
    }

    @Test
    void everyConnectionAfterAFlipObeysTheNewPolicy() throws Exception {
        Kernel k = kernel();
        for (int i = 0; i < 100; i++) {
            boolean deny = i % 2 == 0;
            k.install(Policy.Mode.ENFORCE, Policy.Action.ALLOW, rules("127.0.0.16/28", deny ? "deny" : "allow",
                    "127.0.0.0/24", deny ? "allow" : "deny"));
            assertEquals(deny ? "EPERM" : "ECONNREFUSED", attempt("tcp", "127.0.0.17"), "flip " + i);
            assertEquals(deny ? "ECONNREFUSED" : "EPERM", attempt("tcp", "127.0.0.3"), "flip " + i);
        }
        assertEquals(100, k.version());
    }

    @Test
    void pinsKeepEnforcingAndAKernelStartedLaterAdoptsThem() throws Exception {
        Kernel k = kernel();
        k.install(Policy.Mode.ENFORCE, Policy.Action.ALLOW, rules("127.0.0.17", "deny", "127.0.0.16/28", "allow"));
        int index = k.active().get(Cidr.parse("127.0.0.17/32")).index();
        k.storeBlock("cidr:127.0.0.20/32", 0);
        k.storeBlock("domain:bad.test", 1234);
        k.storeBlock("cidr:127.0.0.21/32", 5);
        k.dropBlock("cidr:127.0.0.21/32");
        k.close();
        rt.close();
        rt = new BpfRuntime((level, msg) -> {
        });
        assertEquals("EPERM", attempt("tcp", "127.0.0.17"), "enforced with no process holding anything");
        Kernel again = kernel();
        assertTrue(again.adopted());
        assertEquals(Map.of("cidr:127.0.0.20/32", 0L, "domain:bad.test", 1234L), again.storedBlocks());
        assertEquals(index, again.active().get(Cidr.parse("127.0.0.17/32")).index());
        assertEquals("enforce", again.mode());
        assertEquals("EPERM", attempt("tcp", "127.0.0.17"));
        assertTrue(again.hits(index) >= 2);
        again.install(Policy.Mode.ENFORCE, Policy.Action.ALLOW, rules("127.0.0.18", "deny"));
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.17"));
        assertEquals("EPERM", attempt("tcp", "127.0.0.18"));
        assertEquals(6, again.linkIds().size(), "six links: " + again.linkIds());
        again.remove();
        assertFalse(Files.exists(dir));
        assertEquals("ECONNREFUSED", attempt("tcp", "127.0.0.18"), "removed: nothing enforces");
    }

    /** In a network namespace of its own (port 53 of the host is not ours): for each name, its own server answers
     * its own client's question with an A record; prints "answered" or "dropped" (no answer within 500 ms). */
    private static final String DNS = """
            import socket, struct, sys
            tcp = sys.argv[1] == 'tcp'
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind(('127.0.0.1', 53)); srv.settimeout(2)
            if tcp:
                srv.listen(8)
            for name in sys.argv[2:]:
                q = struct.pack('>HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b''.join(
                    bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\\0' + struct.pack('>HH', 1, 1)
                a = bytearray(q); a[2] = 0x81; a[3] = 0x80; a[7] = 1
                a += b'\\xc0\\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + socket.inet_aton('192.0.2.1')
                if tcp:
                    cli = socket.create_connection(('127.0.0.1', 53), timeout=1)
                    conn, _ = srv.accept()
                    cli.sendall(struct.pack('>H', len(q)) + q)
                    conn.recv(512)
                    conn.sendall(struct.pack('>H', len(a)) + bytes(a))
                else:
                    cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); cli.settimeout(1)
                    cli.sendto(q, ('127.0.0.1', 53))
                    got, peer = srv.recvfrom(512)
                    srv.sendto(bytes(a), peer)
                try:
                    got = cli.recv(512)
                    print(name, 'answered' if got else 'dropped', flush=True)
                except socket.timeout:
                    print(name, 'dropped', flush=True)
                cli.close()
                if tcp:
                    conn.close()
            """;

    private String resolve(String netns, String... names) throws Exception {
        return exchange("udp", netns, names);
    }

    private String exchange(String transport, String netns, String... names) throws Exception {
        // into the cgroup first: ip netns exec mounts a /sys of its own, without the cgroup file system
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs")
                + " && exec ip netns exec " + netns + " python3 -c \"$0\" \"$@\"", DNS, transport));
        cmd.addAll(List.of(names));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.strip();
    }

    @Test
    void answersForDeniedNamesAreDroppedWhenResolveEnforces() throws Exception {
        String netns = "jibril-nptest-" + ProcessHandle.current().pid();
        assertEquals(0, new ProcessBuilder("ip", "netns", "add", netns).start().waitFor());
        try {
            assertEquals(0, new ProcessBuilder("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up").start()
                    .waitFor());
            Kernel k = kernel();
            Map<String, Policy.Action> names = Map.of("denied.test", Policy.Action.DENY, "ok.denied.test",
                    Policy.Action.ALLOW);
            k.install(Policy.Mode.BYPASS, Policy.Action.ALLOW, Policy.Mode.ENFORCE, Policy.Action.ALLOW, Map.of(),
                    names);
            assertEquals(String.join("\n", "www.denied.test dropped", "denied.test dropped", "WWW.Denied.Test dropped",
                    "ok.denied.test answered", "x.ok.denied.test answered", "notdenied.test answered",
                    "fine.test answered"), resolve(netns, "www.denied.test", "denied.test", "WWW.Denied.Test",
                    "ok.denied.test", "x.ok.denied.test", "notdenied.test", "fine.test"));
            assertEquals(3L, k.counters().get("answers_dropped"));
            assertEquals(String.join("\n", "www.denied.test dropped", "ok.denied.test answered", "fine.test answered"),
                    exchange("tcp", netns, "www.denied.test", "ok.denied.test", "fine.test"), "DNS over TCP");
            assertTrue(k.counters().get("answers_dropped") >= 4);
            assertTrue(k.hits(k.activeNames().get("denied.test").index()) >= 3);

            // the resolve default: deny what no rule allows
            k.install(Policy.Mode.BYPASS, Policy.Action.ALLOW, Policy.Mode.BOTH, Policy.Action.DENY, Map.of(), names);
            List<NetPolicyLayout.Drop> drops = new ArrayList<>();
            try (RingBuffer rb = k.drops(r -> drops.add(NetPolicyLayout.Drop.decode(r)))) {
                assertEquals(String.join("\n", "fine.test dropped", "ok.denied.test answered"),
                        resolve(netns, "fine.test", "ok.denied.test"));
                rb.consume();
                assertEquals(1, drops.size());
                assertEquals(NetPolicyLayout.HOOK_RESOLVE, drops.get(0).hook());
                assertEquals("127.0.0.1", Cidr.format(drops.get(0).raddr()));
                assertEquals(0, drops.get(0).rule(), "the default");
            }

            // alert: nothing dropped in the kernel; a domain changed in place
            k.install(Policy.Mode.BYPASS, Policy.Action.ALLOW, Policy.Mode.ALERT, Policy.Action.ALLOW, Map.of(), names);
            assertEquals("www.denied.test answered", resolve(netns, "www.denied.test"));
            k.install(Policy.Mode.BYPASS, Policy.Action.ALLOW, Policy.Mode.ENFORCE, Policy.Action.ALLOW, Map.of(),
                    Map.of());
            assertEquals("www.denied.test answered", resolve(netns, "www.denied.test"));
            k.putName("www.denied.test", Policy.Action.DENY);
            assertEquals("www.denied.test dropped", resolve(netns, "www.denied.test"));
            k.putName("www.denied.test", null);
            assertEquals("www.denied.test answered", resolve(netns, "www.denied.test"));
        } finally {
            new ProcessBuilder("ip", "netns", "del", netns).start().waitFor();
        }
    }
}
