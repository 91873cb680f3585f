package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * Reactions and the network policy together, for real: a recipe's JavaScript reaction calls NetBlockIp, the
 * netpolicy bundle puts the block into the kernel, and a connection to that address is refused from then on;
 * NetUnblockIp from a second recipe lifts it.
 */
class ReactionNetBlockTest {

    private static final String PEER = "127.66.3.9"; // loopback (127/8), an address no other test uses

    /** Enforcing, allowing everything: only what the reactions block is refused. */
    private static final String OPEN_POLICY = """
            network_policy:
              cidr_mode: enforce
              cidr_policy: allow
              resolve_mode: bypass
              resolve_policy: allow
              rules: []
            """;

    @Test
    void aJsReactionBlocksAnAddressInTheKernelAndAnotherUnblocksIt() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess(); ServerSocket server = listen(PEER)) {
            int port = server.getLocalPort();

            String tag = UUID.randomUUID().toString().substring(0, 8);
            Path recipes = Files.createDirectories(jibril.dir.resolve("recipes"));
            Path state = Files.createDirectories(jibril.dir.resolve("reactions"));
            Path policy = jibril.dir.resolve("netpolicy.yaml");
            Files.writeString(policy, OPEN_POLICY);
            Path block = jibril.dir.resolve("rx-block-" + tag);
            Path unblock = jibril.dir.resolve("rx-unblock-" + tag);
            Files.copy(Path.of("/bin/true"), block, StandardCopyOption.COPY_ATTRIBUTES);
            Files.copy(Path.of("/bin/true"), unblock, StandardCopyOption.COPY_ATTRIBUTES);
            Files.writeString(recipes.resolve("netblock.yaml"), """
                    - name: rx_netblock
                      breed: file_access
                      file_actions: [execve]
                      bases: [{base: %s}]
                      reactions:
                        - format: js
                          code: |
                            function process(data) {
                              var rc = NetBlockIp("%s");
                              Info("netblock %s: " + rc);
                              if (rc !== 0) { throw new Error("NetBlockIp returned " + rc + " " + Errno()); }
                            }
                    - name: rx_netunblock
                      breed: file_access
                      file_actions: [execve]
                      bases: [{base: %s}]
                      reactions:
                        - format: js
                          code: |
                            function process(data) {
                              var rc = NetUnblockIp("%s");
                              if (rc !== 0) { throw new Error("NetUnblockIp returned " + rc + " " + Errno()); }
                            }
                    """.formatted(block.getFileName(), PEER, tag, unblock.getFileName(), PEER));
            Files.writeString(jibril.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    config:
                      plugin: [jibril:hold, jibril:procfs, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%s:interval=200", "jibril:reactions:dir=%s", "jibril:netpolicy:file=%s:interval=100"]
                      printer: [jibril:printers:stdout]
                    """.formatted(jibril.healthPort, recipes, state, policy));
            jibril.start();
            try {
                assertTrue(jibril.awaitReady(90_000), "not ready:\n" + jibril.log());
                assertTrue(JibrilProcess.waitFor(60_000, () -> shell(jibril, "jibril:recipes").contains("rx_netunblock")),
                        shell(jibril, "jibril:recipes"));
                assertEquals("OK", NetPolicyTest.tcp(PEER, port), "reachable before the reaction");

                assertEquals(0, new ProcessBuilder(block.toString()).start().waitFor());
                assertTrue(JibrilProcess.waitFor(30_000, () -> "EPERM".equals(NetPolicyTest.tcp(PEER, port))),
                        "the reaction's block is not enforced\nevents:\n" + String.join("\n", jibril.events())
                                + "\nnetpolicy: " + shell(jibril, "jibril:netpolicy") + "\nlog:\n" + jibril.log());
                assertTrue(shell(jibril, "jibril:netpolicy").contains(PEER), shell(jibril, "jibril:netpolicy"));
                assertTrue(JibrilProcess.waitFor(10_000, () -> events(jibril).contains("\"kind\":\"reaction\"")
                        && events(jibril).contains("rx_netblock")), events(jibril));
                assertTrue(jibril.log().contains("netblock " + tag + ": 0"), jibril.log());

                assertEquals(0, new ProcessBuilder(unblock.toString()).start().waitFor());
                assertTrue(JibrilProcess.waitFor(30_000, () -> "OK".equals(NetPolicyTest.tcp(PEER, port))),
                        "the unblock reaction did not lift the block: " + shell(jibril, "jibril:netpolicy"));
            } finally {
                jibril.shell("jibril:netpolicy remove"); // enforcement outlives the daemon otherwise
                jibril.stop();
            }
        }
    }

    /**
     * The original product's reaction test recipes for netpolicy, unchanged: a flow to a name the recipe watches
     * (resolved by a DNS server this test runs on 127.0.0.1:53) fires it, and its reaction's NetBlockIp() or
     * NetBlockDomain() make the real netpolicy refuse the next connection.
     */
    @Test
    void theOriginalsBlockIpAndBlockDomainReactionsBlockForReal() throws Exception {
        Path corpus = ReactionsTest.TESTS;
        if (!Files.isDirectory(corpus)) {
            System.out.println("WARNING: *** the compat reaction recipes " + corpus + " do not exist: not checked ***");
            return;
        }
        String ipPeer = "127.66.3.20";
        String domainPeer = "127.66.3.21";
        try (JibrilProcess jibril = new JibrilProcess(); ServerSocket a = listen(ipPeer); ServerSocket b = listen(domainPeer)) {
            Path recipes = Files.createDirectories(jibril.dir.resolve("recipes"));
            Path state = Files.createDirectories(jibril.dir.resolve("reactions"));
            for (String f : new String[] { "reactions_block_ip.yaml", "reactions_block_domain.yaml" }) {
                Files.copy(corpus.resolve(f), recipes.resolve(f));
            }
            Path policy = jibril.dir.resolve("netpolicy.yaml");
            Files.writeString(policy, OPEN_POLICY);
            Files.writeString(jibril.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    cadences:
                      network-peers: 1
                      network-flows: 1
                    config:
                      plugin: [jibril:hold, jibril:procfs, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%s:interval=200", "jibril:reactions:dir=%s", "jibril:netpolicy:file=%s:interval=100"]
                      printer: [jibril:printers:stdout]
                      event: [jibril:detect:reactions_block_ip_block, jibril:detect:reactions_block_domain_block]
                    """.formatted(jibril.healthPort, recipes, state, policy));
            jibril.start();
            try {
                assertTrue(jibril.awaitReady(90_000), "not ready:\n" + jibril.log());
                assertTrue(JibrilProcess.waitFor(60_000, () -> shell(jibril, "jibril:recipes")
                        .contains("reactions_block_domain_block")), shell(jibril, "jibril:recipes"));

                // The domain first: NetBlockIp() below blocks every remote address of each process the recipe
                // caught, and that includes this JVM (its DNS flow to 127.0.0.1 carries the name too), so no DNS
                // on 127.0.0.1 works after it. That is the original recipe's doing, and what it should do.
                // www.example.com -> domainPeer; reactions_block_domain_block's NetBlockDomain() denies the name:
                // the next answer for it makes its address refused.
                LoopbackDns.resolve("www.example.com", null, InetAddress.getByName(domainPeer));
                assertEquals(0, connectFromShell(domainPeer, b.getLocalPort()));
                assertTrue(JibrilProcess.waitFor(30_000, () -> jibril.log().contains("all good, remote domains blocked")),
                        jibril.log());
                assertTrue(shell(jibril, "jibril:netpolicy").contains("www.example.com"),
                        shell(jibril, "jibril:netpolicy"));
                assertTrue(JibrilProcess.waitFor(30_000, () -> {
                    try {
                        LoopbackDns.resolve("www.example.com", null, InetAddress.getByName(domainPeer));
                    } catch (Exception e) {
                        return false;
                    }
                    return "EPERM".equals(NetPolicyTest.tcp(domainPeer, b.getLocalPort()));
                }), "the blocked domain's address is still reachable\nnetpolicy: " + shell(jibril, "jibril:netpolicy"));

                // example.com -> ipPeer; a connection to it fires reactions_block_ip_block, whose NetBlockIp()
                // blocks the detection's remote addresses.
                LoopbackDns.resolve("example.com", null, InetAddress.getByName(ipPeer));
                // The client is a process of its own, as on a real host.
                assertEquals(0, connectFromShell(ipPeer, a.getLocalPort()));
                assertTrue(JibrilProcess.waitFor(30_000, () -> "EPERM".equals(NetPolicyTest.tcp(ipPeer, a.getLocalPort()))),
                        "NetBlockIp() of the original's recipe is not enforced\nnetpolicy: "
                                + shell(jibril, "jibril:netpolicy") + "\nlog:\n" + jibril.log());
                assertTrue(jibril.log().contains("all good, remote CIDRs blocked"), jibril.log());
            } finally {
                jibril.shell("jibril:netpolicy remove");
                jibril.stop();
            }
        }
    }

    /** Connects to address:port from a bash of its own and closes; its exit code (0: connected). */
    private static int connectFromShell(String address, int port) throws Exception {
        Process p = new ProcessBuilder("/bin/bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + port + " && exec 3>&-")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private static ServerSocket listen(String address) throws java.io.IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        Thread accepting = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    server.accept().close();
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        accepting.setDaemon(true);
        accepting.start();
        return server;
    }

    private static String events(JibrilProcess j) {
        try {
            return String.join("\n", j.events());
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String shell(JibrilProcess j, String command) {
        try {
            return j.shell(command).output();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
