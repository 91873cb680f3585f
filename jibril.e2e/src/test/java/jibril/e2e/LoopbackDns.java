package jibril.e2e;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A one-shot DNS exchange on loopback: this test's server on 127.0.0.1:53 answers its own client's query. */
final class LoopbackDns {

    private LoopbackDns() {
    }

    /**
     * Answers one query for name on 127.0.0.1:53: with a CNAME to cname (when not null) and an A record for the
     * address.
     */
    static void resolve(String name, String cname, InetAddress address) throws Exception {
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 53));
                DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(5_000);
            server.setSoTimeout(5_000);
            byte[] query = question(0x4a49, 0x0100, name);
            client.send(new DatagramPacket(query, query.length, InetAddress.getByName("127.0.0.1"), 53));
            DatagramPacket in = new DatagramPacket(new byte[512], 512);
            server.receive(in);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] header = question(0x4a49, 0x8180, name);
            header[7] = (byte) (cname == null ? 1 : 2); // answers
            answer.write(header);
            if (cname != null) {
                answer.write(new byte[] { (byte) 0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 44 }); // name ptr, CNAME, IN, ttl 300
                byte[] target = labels(cname);
                answer.write(new byte[] { 0, (byte) target.length });
                answer.write(target);
                answer.write(labels(cname));
            } else {
                answer.write(new byte[] { (byte) 0xc0, 12 }); // the question's name
            }
            answer.write(new byte[] { 0, 1, 0, 1, 0, 0, 1, 44, 0, 4 }); // A, IN, ttl 300, 4 bytes
            answer.write(address.getAddress());
            byte[] a = answer.toByteArray();
            server.send(new DatagramPacket(a, a.length, in.getSocketAddress()));
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            client.receive(reply);
        }
    }

    private static byte[] question(int id, int flags, String name) throws Exception {
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.write(new byte[] { (byte) (id >> 8), (byte) id, (byte) (flags >> 8), (byte) flags, 0, 1, 0, 0, 0, 0, 0, 0 });
        q.write(labels(name));
        q.write(new byte[] { 0, 1, 0, 1 });
        return q.toByteArray();
    }

    private static byte[] labels(String name) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            out.write(b.length);
            out.write(b);
        }
        out.write(0);
        return out.toByteArray();
    }
}
