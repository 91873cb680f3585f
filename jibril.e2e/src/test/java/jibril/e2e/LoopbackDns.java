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
            byte[] a = answer(name, cname, address);
            server.send(new DatagramPacket(a, a.length, in.getSocketAddress()));
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            client.receive(reply);
        }
    }

    /**
     * Answers one query for name over TCP (RFC 7766: each message after its two-byte length) on server:53, as a
     * resolver falls back to when an answer is too big for UDP.
     */
    static void resolveTcp(String name, String cname, InetAddress address, InetAddress server) throws Exception {
        try (java.net.ServerSocket listener = new java.net.ServerSocket(53, 1, server)) {
            listener.setSoTimeout(5_000);
            Thread answering = new Thread(() -> {
                try (java.net.Socket s = listener.accept()) {
                    java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                    in.readFully(new byte[in.readUnsignedShort()]);
                    byte[] a = answer(name, cname, address);
                    // One write, as servers do (length and message in one segment).
                    java.io.DataOutputStream out = new java.io.DataOutputStream(
                            new java.io.BufferedOutputStream(s.getOutputStream()));
                    out.writeShort(a.length);
                    out.write(a);
                    out.flush();
                    s.getInputStream().read(); // until the client closes
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "loopback-dns-tcp");
            answering.start();
            try (java.net.Socket client = new java.net.Socket(server, 53)) {
                client.setSoTimeout(5_000);
                byte[] q = question(0x4a4a, 0x0100, name);
                java.io.DataOutputStream out = new java.io.DataOutputStream(client.getOutputStream());
                out.writeShort(q.length);
                out.write(q);
                out.flush();
                java.io.DataInputStream in = new java.io.DataInputStream(client.getInputStream());
                in.readFully(new byte[in.readUnsignedShort()]);
            }
            answering.join(5_000);
        }
    }

    /** The response to a query for name: a CNAME to cname (when not null) and an A record for the address. */
    private static byte[] answer(String name, String cname, InetAddress address) throws Exception {
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
        return answer.toByteArray();
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
