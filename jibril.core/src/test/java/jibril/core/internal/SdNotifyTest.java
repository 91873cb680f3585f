package jibril.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** sd_notify against a datagram socket this test binds itself, as systemd would. */
class SdNotifyTest {

    @TempDir
    Path dir;

    @Test
    void readyArrivesOnAPathSocket() throws Exception {
        String path = dir.resolve("notify").toString();
        try (Receiver r = new Receiver(path)) {
            SdNotify.send(path, "READY=1\nSTATUS=ready");
            assertEquals("READY=1\nSTATUS=ready", r.receive());
            SdNotify.send(path, "STOPPING=1");
            assertEquals("STOPPING=1", r.receive());
        }
    }

    @Test
    void readyArrivesOnAnAbstractSocket() throws Exception {
        String name = "@jibril-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (Receiver r = new Receiver(name)) {
            SdNotify.send(name, "READY=1");
            assertEquals("READY=1", r.receive());
        }
    }

    @Test
    void noListenerIsAnErrorNotAHang() {
        IOException e = assertThrows(IOException.class,
                () -> SdNotify.send(dir.resolve("nobody").toString(), "READY=1"));
        assertTrue(e.getMessage().contains("errno 2"), e.getMessage());
    }

    @Test
    void addressesSystemdDoesNotGiveAreRefused() {
        assertThrows(IOException.class, () -> SdNotify.send("vsock:2:1234", "READY=1"));
        assertThrows(IOException.class, () -> SdNotify.send("/" + "x".repeat(SdNotify.SUN_PATH), "READY=1"));
    }

    /** The systemd side: a bound AF_UNIX datagram socket with a receive timeout. */
    static final class Receiver implements AutoCloseable {

        interface C extends Library {
            C LIB = Native.load("c", C.class);

            int socket(int domain, int type, int protocol);

            int bind(int fd, byte[] addr, int len);

            int setsockopt(int fd, int level, int name, byte[] value, int len);

            long recv(int fd, byte[] buf, long len, int flags);

            int close(int fd);
        }

        private final int fd;
        private final String name;

        Receiver(String name) throws IOException {
            this.name = name;
            fd = C.LIB.socket(1, 2, 0);
            if (fd < 0) {
                throw new IOException("socket: errno " + Native.getLastError());
            }
            if (C.LIB.bind(fd, SdNotify.sockaddr(name), SdNotify.addrLength(name)) != 0) {
                int errno = Native.getLastError();
                C.LIB.close(fd);
                throw new IOException("bind " + name + ": errno " + errno);
            }
            // SOL_SOCKET, SO_RCVTIMEO: 5 s, so a missing datagram fails the test instead of hanging it.
            byte[] tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(5).putLong(0).array();
            C.LIB.setsockopt(fd, 1, 20, tv, tv.length);
        }

        String receive() throws IOException {
            byte[] buf = new byte[4096];
            long n = C.LIB.recv(fd, buf, buf.length, 0);
            if (n < 0) {
                throw new IOException("recv: errno " + Native.getLastError() + " (nothing arrived within 5 s)");
            }
            return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            C.LIB.close(fd);
            if (name.startsWith("/")) {
                Files.deleteIfExists(Path.of(name));
            }
        }
    }
}
