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

    @Test
    void aJsReactionBlocksAnAddressInTheKernelAndAnotherUnblocksIt() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess(); ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(PEER), 0));
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
            int port = server.getLocalPort();

            String tag = UUID.randomUUID().toString().substring(0, 8);
            Path recipes = Files.createDirectories(jibril.dir.resolve("recipes"));
            Path state = Files.createDirectories(jibril.dir.resolve("reactions"));
            Path policy = jibril.dir.resolve("netpolicy.yaml");
            Files.writeString(policy, """
                    network_policy:
                      cidr_mode: enforce
                      cidr_policy: allow
                      resolve_mode: bypass
                      resolve_policy: allow
                      rules: []
                    """);
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
