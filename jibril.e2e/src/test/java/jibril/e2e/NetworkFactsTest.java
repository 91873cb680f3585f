package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Network facts end to end: a DNS answer received on the host (from a DNS server this test runs on
 * 127.0.0.1:53) becomes a domain with its CNAME chain and address; a TCP connection to that address is a flow
 * of this process with connect/accept, bytes, and the names the address was resolved from.
 */
class NetworkFactsTest {

    @Test
    void aResolvedNameAndTheConnectionToItAreRecorded() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            // The detection engine with its library: a listener that wants flow observations, so that the sweeps
            // read the pairs (without one they only follow the kernel's counter).
            jibril.writeDetectionsConfig("  network-flows: 1\n");
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            assertTrue(JibrilProcess.waitFor(30_000, () -> data(jibril).get("flow_observers").getAsBoolean()),
                    "no listener wants flows: " + data(jibril));

            String name = "e2e-" + UUID.randomUUID().toString().substring(0, 8) + ".jibril.test";
            InetAddress target = InetAddress.getByName("127.0.0.9");
            LoopbackDns.resolve(name, "edge.jibril.test", target);

            if (!JibrilProcess.waitFor(30_000, () -> !jibril.query("domains", "--name", name).isEmpty())) {
                // Say where it was lost: the kernel's DNS counters, the data layer's parse counters, the raw
                // answer of the query, and the daemon's log.
                throw new AssertionError("the resolution of " + name + " was not recorded\nstatus: "
                        + jibril.shell("jibril:status").output() + "\nquery: "
                        + jibril.rawQuery("domains", "--name", name) + "\nlog:\n" + jibril.log());
            }
            JsonObject domain = JsonParser.parseString(jibril.query("domains", "--name", name).get(0))
                    .getAsJsonObject();
            assertEquals(name, domain.get("name").getAsString());
            assertEquals("edge.jibril.test", domain.getAsJsonArray("cnames").get(0).getAsString());
            assertEquals("127.0.0.9", domain.getAsJsonArray("addresses").get(0).getAsString());

            int port;
            byte[] payload = new byte[20_000];
            try (ServerSocket server = new ServerSocket()) {
                server.bind(new InetSocketAddress(target, 0));
                port = server.getLocalPort();
                try (Socket client = new Socket(target, port); Socket accepted = server.accept()) {
                    OutputStream out = client.getOutputStream();
                    out.write(payload);
                    out.flush();
                    accepted.getInputStream().readNBytes(payload.length);
                }
            }
            String p = Integer.toString(port);
            assertTrue(JibrilProcess.waitFor(30_000, () -> jibril.query("flows", "--port", p).size() >= 2),
                    "flows to port " + port + " not recorded: " + jibril.query("flows", "--port", p));
            long me = ProcessHandle.current().pid();
            JsonObject connect = null;
            for (String line : jibril.query("flows", "--port", p)) {
                JsonObject f = JsonParser.parseString(line).getAsJsonObject();
                if (f.getAsJsonObject("remote").get("port").getAsInt() == port) {
                    connect = f;
                }
            }
            assertTrue(connect != null, "no connecting side");
            assertEquals(me, connect.get("pid").getAsLong());
            assertEquals("tcp", connect.get("proto").getAsString());
            assertEquals("local", connect.get("initiator").getAsString());
            assertTrue(contains(connect.getAsJsonArray("actions"), "connect"), connect.toString());
            assertTrue(connect.get("bytes_out").getAsLong() >= payload.length, connect.toString());
            assertTrue(contains(connect.getAsJsonObject("remote").getAsJsonArray("names"), name),
                    "the flow does not carry the name its address was resolved from: " + connect);
            assertEquals(1, jibril.query("flows", "--port", p, "--name", name.replace(".", "\\.")).size());

            // Every pair generation came by notice, so the sweeps (each second here) count none as missed: the
            // pairs' counter is theirs alone (flows count in their own), it has no holes to explain.
            Thread.sleep(3_000);
            JsonObject net = data(jibril).getAsJsonObject("network");
            assertEquals(0, net.get("flow_pairs_missed").getAsLong(), net.toString());
            assertTrue(net.get("flow_sweep_walks_skipped").getAsLong() > 0, net.toString());
            assertEquals(0, jibril.stop());
        }
    }

    private static JsonObject data(JibrilProcess jibril) {
        try {
            return JsonParser.parseString(ServiceTest.get(jibril, "/status")).getAsJsonObject().getAsJsonObject("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean contains(JsonArray a, String s) {
        for (var e : a) {
            if (e.getAsString().equals(s)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aResolutionOverTcpIsRecordedToo() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess()) {
            jibril.writeConfig("cadences:\n  network-flows: 1\n");
            jibril.start();
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            String name = "tcp-" + UUID.randomUUID().toString().substring(0, 8) + ".jibril.test";
            // Its own loopback address: no other test's DNS server is on 127.0.0.77:53.
            LoopbackDns.resolveTcp(name, "big.jibril.test", InetAddress.getByName("127.0.0.10"),
                    InetAddress.getByName("127.0.0.77"));
            if (!JibrilProcess.waitFor(30_000, () -> !jibril.query("domains", "--name", name).isEmpty())) {
                throw new AssertionError("the resolution of " + name + " over TCP was not recorded\nstatus: "
                        + jibril.shell("jibril:status").output() + "\nlog:\n" + jibril.log());
            }
            JsonObject domain = JsonParser.parseString(jibril.query("domains", "--name", name).get(0))
                    .getAsJsonObject();
            assertEquals("big.jibril.test", domain.getAsJsonArray("cnames").get(0).getAsString());
            assertEquals("127.0.0.10", domain.getAsJsonArray("addresses").get(0).getAsString());
            assertEquals(0, jibril.stop());
        }
    }
}
