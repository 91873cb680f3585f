package jibril.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The sd_notify(3) protocol: one datagram, such as {@code READY=1}, to the {@code AF_UNIX} socket systemd names
 * in {@code NOTIFY_SOCKET} (a path, or an abstract name written with a leading {@code @}).
 *
 * <p>The JDK has Unix domain stream sockets but no datagram ones, so this goes through libc with JNA. It sends
 * from this process, which is the unit's main process ({@code bin/jibril} execs java), so the default
 * {@code NotifyAccess=main} accepts it. {@code systemd-notify(1)} would be a child process: accepted only with
 * {@code NotifyAccess=all}, and systemd may fail to attribute its message to the unit at all when it has exited
 * before systemd reads the datagram (systemd-notify(1) says so).
 */
final class SdNotify {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sun_path) of struct sockaddr_un. */
    static final int SUN_PATH = 108;

    interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int socket(int domain, int type, int protocol);

        long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

        int close(int fd);
    }

    private SdNotify() {
    }

    /**
     * Sends one notification.
     *
     * @param socket  the value of NOTIFY_SOCKET
     * @param message newline-separated assignments, e.g. {@code READY=1\nSTATUS=ready}
     * @throws IOException when the socket cannot be reached; the message is then lost (systemd would time out)
     */
    static void send(String socket, String message) throws IOException {
        byte[] addr = sockaddr(socket);
        byte[] data = message.getBytes(StandardCharsets.UTF_8);
        LibC c = LibC.C;
        int fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM): errno " + Native.getLastError());
        }
        try {
            long sent = c.sendto(fd, data, data.length, MSG_NOSIGNAL, addr, addrLength(socket));
            if (sent < 0) {
                throw new IOException("sendto " + socket + ": errno " + Native.getLastError());
            }
            if (sent != data.length) {
                throw new IOException("sendto " + socket + ": " + sent + " of " + data.length + " bytes sent");
            }
        } finally {
            c.close(fd);
        }
    }

    /** struct sockaddr_un for a path, or for an abstract name given as {@code @name}. */
    static byte[] sockaddr(String socket) throws IOException {
        if (socket.isEmpty() || !(socket.startsWith("/") || socket.startsWith("@"))) {
            // systemd 254+ may also hand out vsock:CID:PORT addresses (inside VMs); Jibril runs on the host.
            throw new IOException("NOTIFY_SOCKET=" + socket + " is neither a path nor an abstract socket name");
        }
        byte[] name = socket.getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("NOTIFY_SOCKET=" + socket + " is longer than " + (SUN_PATH - 1) + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(2 + SUN_PATH).order(ByteOrder.nativeOrder());
        b.putShort((short) AF_UNIX).put(name);
        byte[] out = b.array();
        if (socket.startsWith("@")) {
            out[2] = 0;
        }
        return out;
    }

    /** The address length: an abstract name is exactly its bytes long, a path includes its terminating NUL. */
    static int addrLength(String socket) {
        int n = socket.getBytes(StandardCharsets.UTF_8).length;
        return 2 + (socket.startsWith("@") ? n : n + 1);
    }
}
