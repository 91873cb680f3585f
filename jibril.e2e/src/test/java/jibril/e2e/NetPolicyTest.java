package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The network policy on the real kernel, through the daemon: a policy file denies and allows networks of this
 * test's own (127.66.0.0/16 on the loopback, fd00:6a1b::/64 added to lo for the test), and real TCP and UDP
 * sockets of this JVM are let through or refused with EPERM. Covers the modes, longest-prefix, dropip events, an
 * established flow cut when its peer is blocked, a refused edit, a rule flipped 100 times under traffic without a
 * moment with no policy, SIGKILL of the daemon (the kernel goes on enforcing, the restart adopts), and removal of
 * the plugin (enforcement ends, pins go).
 */
class NetPolicyTest {

    private static final String V6_OK = "fd00:6a1b::2";
    private static final String V6_DENIED = "fd00:6a1b::1";
    private static final Pattern VERSION = Pattern.compile("version (\\d+)");

    private final List<AutoCloseable> servers = new ArrayList<>();
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private Path policy;

    @BeforeEach
    void addresses() throws Exception {
        for (String a : List.of(V6_OK, V6_DENIED)) {
            run("ip", "-6", "addr", "replace", a + "/128", "dev", "lo", "nodad");
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable s : servers) {
            s.close();
        }
        for (String a : List.of(V6_OK, V6_DENIED)) {
            new ProcessBuilder("ip", "-6", "addr", "del", a + "/128", "dev", "lo").start().waitFor();
        }
        if (policy != null) {
            Files.deleteIfExists(policy);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    /** A TCP server that reads and counts, and a UDP one that counts, on addr:port. */
    private void serve(String addr, int port) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(addr), port));
        servers.add(ss);
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    servers.add(s);
                    Thread r = new Thread(() -> {
                        try (InputStream in = s.getInputStream()) {
                            byte[] b = new byte[256];
                            int n;
                            while ((n = in.read(b)) > 0) {
                                received.computeIfAbsent("tcp " + addr, k -> new AtomicInteger()).addAndGet(n);
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    });
                    r.setDaemon(true);
                    r.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        DatagramSocket ds = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(addr), port));
        servers.add(ds);
        Thread u = new Thread(() -> {
            byte[] b = new byte[256];
            while (!ds.isClosed()) {
                try {
                    ds.receive(new DatagramPacket(b, b.length));
                    received.computeIfAbsent("udp " + addr, k -> new AtomicInteger()).incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        });
        u.setDaemon(true);
        u.start();
    }

    /** OK, EPERM, or what else the connect said. */
    static String tcp(String addr, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(addr), port), 2000);
            return "OK";
        } catch (IOException e) {
            return String.valueOf(e.getMessage()).contains("Operation not permitted") ? "EPERM" : e.toString();
        }
    }

    static String udp(String addr, int port) {
        try (DatagramSocket s = new DatagramSocket()) {
            byte[] b = "x".getBytes();
            s.send(new DatagramPacket(b, b.length, new InetSocketAddress(InetAddress.getByName(addr), port)));
            return "OK";
        } catch (IOException e) {
            return String.valueOf(e.getMessage()).contains("Operation not permitted") ? "EPERM" : e.toString();
        }
    }

    private int count(String key) {
        AtomicInteger n = received.get(key);
        return n == null ? 0 : n.get();
    }

    private static String policyText(String mode, String... rules) {
        StringBuilder sb = new StringBuilder("network_policy:\n  cidr_mode: " + mode + "\n  cidr_policy: allow\n"
                + "  resolve_mode: bypass\n  resolve_policy: allow\n  rules:\n");
        for (int i = 0; i < rules.length; i += 2) {
            sb.append("    - cidr: \"").append(rules[i]).append("\"\n      policy: ").append(rules[i + 1]).append('\n');
        }
        return sb.toString();
    }

    private static long version(JibrilProcess j) throws Exception {
        JibrilProcess.Result r = j.shell("jibril:netpolicy");
        Matcher m = VERSION.matcher(r.output());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Writes the policy and waits until the daemon has it in the kernel (its version went up). */
    private void apply(JibrilProcess j, String text) throws Exception {
        long before = version(j);
        Files.writeString(policy, text);
        assertTrue(JibrilProcess.waitFor(20_000, () -> {
            try {
                return version(j) > before;
            } catch (Exception e) {
                return false;
            }
        }), "policy not applied:\n" + j.log());
    }

    /** Readiness waits for the policy: once ready, the daemon has put it in the kernel. */
    private static void awaitPolicy(JibrilProcess j) throws Exception {
        long v = version(j);
        assertTrue(v >= 1, "ready, but no policy in force (version " + v + "):\n" + j.shell("jibril:status").output()
                + j.log());
    }

    private static List<JsonObject> dropips(JibrilProcess j) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        for (String l : j.events()) {
            if (l.startsWith("{")) {
                JsonObject o = JsonParser.parseString(l).getAsJsonObject();
                if (o.getAsJsonObject("metadata").get("name").getAsString().equals("dropip")) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    private static JsonObject awaitDropip(JibrilProcess j, String address, boolean blocked) throws Exception {
        JsonObject[] found = new JsonObject[1];
        JibrilProcess.waitFor(10_000, () -> {
            try {
                for (JsonObject o : dropips(j)) {
                    JsonObject flow = o.getAsJsonObject("flow");
                    if (flow.getAsJsonObject("remote").get("address").getAsString().equals(address)
                            && flow.getAsJsonObject("flags").get("blocked").getAsBoolean() == blocked) {
                        found[0] = o;
                        return true;
                    }
                }
            } catch (IOException e) {
                return false;
            }
            return false;
        });
        assertTrue(found[0] != null, "no dropip for " + address + " (blocked " + blocked + ") in:\n"
                + String.join("\n", j.events()) + "\n" + j.log());
        return found[0];
    }

    @Test
    void enforcesLiveAtomicallyAcrossSigkillAndUntilRemoved() throws Exception {
        int port = JibrilProcess.freePort();
        for (String a : List.of("127.66.0.17", "127.66.0.18", "127.66.0.20", "127.66.1.6", "127.66.1.7", V6_OK,
                V6_DENIED)) {
            serve(a, port);
        }
        try (JibrilProcess j = new JibrilProcess()) {
            policy = j.dir.resolve("netpolicy.yaml");
            String base = policyText("both", "127.66.0.16/28", "deny", "127.66.0.18", "allow", "127.66.1.0/24",
                    "allow", "127.66.1.7", "deny", "fd00:6a1b::/64", "deny", V6_OK, "allow");
            Files.writeString(policy, base);
            String plugin = "\"jibril:netpolicy:file=" + policy + ":interval=50:rate=100ms\"";
            Files.writeString(j.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    config:
                      plugin: [jibril:hold, jibril:procfs, jibril:printers, %s]
                      printer: [jibril:printers:stdout]
                      event: [jibril:netpolicy:dropip]
                    """.formatted(j.healthPort, plugin));
            j.start();
            assertTrue(j.awaitReady(90_000), "daemon not ready:\n" + j.log());
            awaitPolicy(j);

            // allowed and denied, TCP and UDP, v4 and v6; longest prefix both ways
            assertEquals("OK", tcp("127.66.0.18", port), "the /32 allow inside the denied /28");
            assertEquals("EPERM", tcp("127.66.0.17", port));
            assertEquals("EPERM", udp("127.66.0.17", port));
            assertEquals("OK", udp("127.66.0.18", port));
            assertEquals("OK", tcp("127.66.1.6", port));
            assertEquals("EPERM", tcp("127.66.1.7", port), "the /32 deny inside the allowed /24");
            assertEquals("OK", tcp(V6_OK, port));
            assertEquals("OK", udp(V6_OK, port));
            assertEquals("EPERM", tcp(V6_DENIED, port));
            assertEquals("EPERM", udp(V6_DENIED, port));
            assertTrue(JibrilProcess.waitFor(5000, () -> count("udp 127.66.0.18") == 1 && count("udp " + V6_OK) == 1));
            assertEquals(0, count("udp 127.66.0.17"));
            assertEquals(0, count("udp " + V6_DENIED));

            JsonObject drop = awaitDropip(j, "127.66.0.17", true);
            assertEquals(ProcessHandle.current().pid(), drop.getAsJsonObject("process").get("pid").getAsLong());
            assertEquals(port, drop.getAsJsonObject("flow").getAsJsonObject("remote").get("port").getAsInt());
            assertTrue(drop.get("note").getAsString().contains("127.66.0.16/28"), drop.toString());
            assertEquals("dropip", drop.getAsJsonObject("metadata").get("kind").getAsString());
            assertEquals(6, awaitDropip(j, V6_DENIED, true).getAsJsonObject("flow").get("ip_version").getAsInt());
            String rules = j.shell("jibril:netpolicy").output();
            assertTrue(rules.matches("(?s).*deny\\s+127\\.66\\.0\\.16/28\\s+hits=[1-9].*"), rules);

            // a broken edit is refused with file, line and field; the policy in force stays
            Files.writeString(policy, base.replace("127.66.1.7\"", "127.66.1.7/33\""));
            assertTrue(JibrilProcess.waitFor(10_000, () -> j.log().contains(policy + ":13:13: network_policy"
                    + ".rules[3].cidr: \"127.66.1.7/33\": the prefix length must be 0 to 32")), j.log());
            assertEquals("EPERM", tcp("127.66.0.17", port));
            assertEquals("EPERM", tcp("127.66.1.7", port));

            // alert: let through, reported
            apply(j, policyText("alert", "127.66.0.20", "deny"));
            assertEquals("OK", tcp("127.66.0.20", port));
            awaitDropip(j, "127.66.0.20", false);
            assertEquals("OK", tcp("127.66.0.17", port), "the new policy has no rule for it");

            // bypass: nothing checked, nothing reported
            apply(j, policyText("bypass", "127.66.0.16/28", "deny"));
            int before = dropips(j).size();
            assertEquals("OK", tcp("127.66.0.17", port));
            assertEquals("OK", udp("127.66.0.17", port));
            Thread.sleep(1500);
            assertEquals(before, dropips(j).size());

            // enforce: an established flow is cut once its peer is blocked (through jibril:netpolicy)
            apply(j, policyText("enforce", "127.66.0.17", "deny"));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.66.0.18", port), 2000);
                OutputStream out = s.getOutputStream();
                out.write("before".getBytes());
                out.flush();
                assertTrue(JibrilProcess.waitFor(5000, () -> count("tcp 127.66.0.18") >= 6));
                int had = count("tcp 127.66.0.18");
                assertTrue(j.shell("jibril:netpolicy block 127.66.0.18/32").output().contains("blocked"));
                try {
                    out.write("after".getBytes());
                    out.flush();
                } catch (IOException refused) {
                    // the kernel may already refuse the write
                }
                Thread.sleep(2000);
                assertEquals(had, count("tcp 127.66.0.18"), "bytes reached a blocked peer");
                assertEquals("EPERM", tcp("127.66.0.18", port));
                assertTrue(j.shell("jibril:netpolicy unblock 127.66.0.18").output().contains("unblocked"));
            }

            // a rule flipped 100 times while connections run: never a moment without a policy
            String denyBoth = policyText("enforce", "127.66.0.17", "deny", "127.66.0.18", "deny");
            String allow18 = policyText("enforce", "127.66.0.17", "deny", "127.66.0.18", "allow", "127.66.0.19",
                    "deny");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger hammered = new AtomicInteger();
            List<String> escaped = new ArrayList<>();
            Thread hammer = new Thread(() -> {
                while (running.get()) {
                    String r = tcp("127.66.0.17", port);
                    hammered.incrementAndGet();
                    if (!r.equals("EPERM")) {
                        synchronized (escaped) {
                            escaped.add(r);
                        }
                    }
                }
            });
            hammer.start();
            try {
                for (int i = 0; i < 100; i++) {
                    boolean deny = i % 2 == 0;
                    apply(j, deny ? denyBoth : allow18);
                    String r = tcp("127.66.0.18", port);
                    assertEquals(deny ? "EPERM" : "OK", r, "flip " + i);
                }
            } finally {
                running.set(false);
                hammer.join();
            }
            assertEquals(List.of(), escaped, "connections to a denied peer went through during " + hammered
                    + " attempts");
            assertTrue(hammered.get() > 100, "the hammer ran " + hammered + " times");

            // SIGKILL: the kernel goes on enforcing the last policy; the restart adopts it
            apply(j, base);
            assertTrue(j.shell("jibril:netpolicy block 127.66.0.40").output().contains("blocked"));
            assertTrue(j.shell("jibril:netpolicy block 127.66.0.41 2s").output().contains("blocked"));
            assertEquals("EPERM", tcp("127.66.0.41", port));
            assertEquals("EPERM", tcp("127.66.0.40", port));
            j.process().destroyForcibly().waitFor();
            assertEquals("EPERM", tcp("127.66.0.17", port), "enforcement ended with the daemon");
            assertEquals("OK", tcp("127.66.0.18", port));
            j.start();
            assertTrue(j.awaitReady(90_000), "daemon not ready after SIGKILL:\n" + j.log());
            awaitPolicy(j);
            assertTrue(j.log().contains("adopted from the pins of an earlier run"), j.log());
            assertEquals("EPERM", tcp("127.66.0.17", port));
            assertEquals("OK", tcp("127.66.0.18", port));
            assertEquals(6, countLinks(j));
            assertEquals("EPERM", tcp("127.66.0.40", port), "a block made before the SIGKILL is kept");
            assertFalse(tcp("127.66.0.41", port).equals("EPERM"), "a block whose time ran out while away is not");
            assertTrue(j.shell("jibril:netpolicy").output().matches("(?s).*deny\\s+127\\.66\\.0\\.40/32.*block.*"));
            assertEquals(1, loaded("np_connect4"), "one set of programs after the restart (the old ones replaced)");

            // removing the plugin ends enforcement and removes the pins
            Files.writeString(j.config, Files.readString(j.config).replace(", " + plugin, ""));
            assertTrue(JibrilProcess.waitFor(20_000, () -> j.log().contains("network policy removed")), j.log());
            assertEquals("OK", tcp("127.66.0.17", port));
            assertFalse(Files.exists(j.pinRoot.resolve("netpolicy")));
            assertEquals(0, j.stop());
        }
    }

    /** A DNS exchange inside a network namespace of this test: its own server on its own 127.0.0.1:53. */
    private static final String DNS = """
            import socket, struct, sys
            name, cname, addr = sys.argv[1], sys.argv[2], sys.argv[3]
            def labels(n):
                return b''.join(bytes([len(p)]) + p.encode() for p in n.split('.')) + b'\\0'
            def question(flags):
                return struct.pack('>HHHHHH', 0x4a49, flags, 1, 0, 0, 0) + labels(name) + struct.pack('>HH', 1, 1)
            srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(('127.0.0.1', 53)); srv.settimeout(5)
            cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); cli.settimeout(5)
            cli.sendto(question(0x0100), ('127.0.0.1', 53))
            q, peer = srv.recvfrom(512)
            a = bytearray(question(0x8180))
            if cname != '-':
                a[7] = 2
                t = labels(cname)
                a += b'\\xc0\\x0c' + struct.pack('>HHIH', 5, 1, 300, len(t)) + t + t
            else:
                a[7] = 1
                a += b'\\xc0\\x0c'
            a += struct.pack('>HHIH', 1, 1, 300, 4) + socket.inet_aton(addr)
            srv.sendto(bytes(a), peer)
            cli.settimeout(1)
            try:
                cli.recvfrom(512); print('answered')
            except socket.timeout:
                print('dropped')
            """;

    private static void resolveInNetns(String netns, String name, String cname, String address) throws Exception {
        assertEquals("answered", exchangeInNetns(netns, name, cname, address));
    }

    /** answered, or dropped when no answer came within a second. */
    private static String exchangeInNetns(String netns, String name, String cname, String address) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", netns, "python3", "-c", DNS, name,
                cname == null ? "-" : cname, address).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out.strip();
    }

    @Test
    void addressesOfDeniedDomainsAreBlockedAsSoonAsTheAnswerIsSeen() throws Exception {
        String netns = "jibril-np-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", netns);
        try (JibrilProcess j = new JibrilProcess()) {
            run("ip", "netns", "exec", netns, "ip", "link", "set", "lo", "up");
            policy = j.dir.resolve("netpolicy.yaml");
            Files.writeString(policy, """
                    network_policy:
                      cidr_mode: both
                      cidr_policy: allow
                      resolve_mode: alert
                      resolve_policy: allow
                      rules:
                        - domain: denied.test
                          policy: deny
                        - domain: ok.denied.test
                          policy: allow
                    """);
            String plugin = "\"jibril:netpolicy:file=" + policy + ":interval=50:rate=100ms\"";
            Files.writeString(j.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    config:
                      plugin: [jibril:hold, jibril:procfs, jibril:printers, %s]
                      printer: [jibril:printers:stdout]
                      event: [jibril:netpolicy:dropip, jibril:netpolicy:dropdomain]
                    """.formatted(j.healthPort, plugin));
            j.start();
            assertTrue(j.awaitReady(90_000), "daemon not ready:\n" + j.log());
            awaitPolicy(j);
            int port = JibrilProcess.freePort();
            assertFalse(tcp("127.66.3.5", port).equals("EPERM"));

            resolveInNetns(netns, "www.denied.test", null, "127.66.3.5");
            resolveInNetns(netns, "innocent.test", "cdn.denied.test", "127.66.3.6");
            resolveInNetns(netns, "fine.test", null, "127.66.3.7");
            resolveInNetns(netns, "ok.denied.test", null, "127.66.3.9");
            assertTrue(JibrilProcess.waitFor(10_000, () -> tcp("127.66.3.5", port).equals("EPERM")
                    && tcp("127.66.3.6", port).equals("EPERM")), j.shell("jibril:netpolicy").output() + j.log());
            assertFalse(tcp("127.66.3.7", port).equals("EPERM"), "a name no rule covers");
            assertFalse(tcp("127.66.3.9", port).equals("EPERM"), "the allowed sub-domain");
            String rules = j.shell("jibril:netpolicy").output();
            assertTrue(rules.contains("127.66.3.6/32") && rules.contains("cdn.denied.test")
                    && rules.contains("innocent.test"), rules);
            JsonObject drop = awaitDropip(j, "127.66.3.6", true);
            assertTrue(drop.getAsJsonObject("flow").getAsJsonObject("remote").getAsJsonArray("names").toString()
                    .contains("cdn.denied.test"), drop.toString());
            assertTrue(JibrilProcess.waitFor(5_000, () -> {
                try {
                    return j.events().stream().anyMatch(l -> l.contains("\"name\":\"dropdomain\"")
                            && l.contains("www.denied.test"));
                } catch (IOException e) {
                    return false;
                }
            }), String.join("\n", j.events()));

            // a domain blocked through jibril:netpolicy (the NetPolicy service)
            assertTrue(j.shell("jibril:netpolicy block blocked.test").output().contains("blocked blocked.test"));
            resolveInNetns(netns, "x.blocked.test", null, "127.66.3.8");
            assertTrue(JibrilProcess.waitFor(10_000, () -> tcp("127.66.3.8", port).equals("EPERM")), j.log());
            assertTrue(j.shell("jibril:netpolicy unblock blocked.test").output().contains("unblocked"));
            assertFalse(tcp("127.66.3.8", port).equals("EPERM"), "unblocked");

            // resolve_mode enforce: the answers themselves are dropped in the kernel
            apply(j, Files.readString(policy).replace("resolve_mode: alert", "resolve_mode: both"));
            assertEquals("dropped", exchangeInNetns(netns, "api.denied.test", null, "127.66.3.10"));
            assertEquals("dropped", exchangeInNetns(netns, "DENIED.test", null, "127.66.3.10"));
            assertEquals("answered", exchangeInNetns(netns, "ok.denied.test", null, "127.66.3.11"));
            assertEquals("answered", exchangeInNetns(netns, "fine.test", null, "127.66.3.12"));
            assertTrue(JibrilProcess.waitFor(5_000, () -> {
                try {
                    return j.events().stream().anyMatch(l -> l.contains("dropped a DNS answer from 127.0.0.1:53"));
                } catch (IOException e) {
                    return false;
                }
            }), String.join("\n", j.events()));

            // jibril:netpolicy remove: enforcement ends at once, the pins go
            assertTrue(j.shell("jibril:netpolicy remove").output().contains("network policy removed"));
            assertFalse(tcp("127.66.3.5", port).equals("EPERM"));
            assertEquals("answered", exchangeInNetns(netns, "api.denied.test", null, "127.66.3.10"));
            assertFalse(Files.exists(j.pinRoot.resolve("netpolicy")));
            assertEquals(0, j.stop());
        } finally {
            new ProcessBuilder("ip", "netns", "del", netns).start().waitFor();
        }
    }

    /** The netpolicy links on the root cgroup whose programs this daemon's pins hold. */
    private static int countLinks(JibrilProcess j) throws IOException {
        try (var s = Files.list(j.pinRoot.resolve("netpolicy"))) {
            return (int) s.filter(p -> p.getFileName().toString().startsWith("link_")).count();
        }
    }

    /** How many programs of this name are loaded in the kernel. */
    private static long loaded(String name) throws Exception {
        Process p = new ProcessBuilder("bpftool", "prog", "show", "name", name).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.lines().filter(l -> l.contains(" name " + name + " ")).count();
    }
}
