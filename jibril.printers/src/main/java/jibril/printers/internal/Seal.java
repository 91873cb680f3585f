package jibril.printers.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * What a file printer has written to one file, kept beside it as {@code <file>.seal} and rewritten (atomically)
 * every time the printer flushes: the seq and prev of the file's first line, the seq and mac of its last, and a mac
 * over those four with the chain key. A file that ends before its seal's last seq was cut; a file that starts after
 * its seal's first seq lost its head. {@code opened} (when the file was started, for time-based rotation) is
 * informational and not covered by the mac.
 *
 * @param first     seq of the file's first line
 * @param firstPrev prev of the file's first line
 * @param last      seq of the last line written
 * @param lastMac   mac of the last line written
 * @param opened    when the file was started, epoch milliseconds
 * @param mac       {@link Chain#sealMac} of the four fields above
 */
record Seal(long first, String firstPrev, long last, String lastMac, long opened, String mac) {

    static Path of(Path file) {
        return file.resolveSibling(file.getFileName() + ".seal");
    }

    static Seal make(Chain chain, long first, String firstPrev, long last, String lastMac, long opened) {
        return new Seal(first, firstPrev, last, lastMac, opened, chain.sealMac(first, firstPrev, last, lastMac));
    }

    boolean valid(Chain chain) {
        return chain.sealMac(first, firstPrev, last, lastMac).equals(mac);
    }

    String toJson() {
        return "{\"first\":" + first + ",\"first_prev\":\"" + firstPrev + "\",\"last\":" + last + ",\"last_mac\":\""
                + lastMac + "\",\"opened\":" + opened + ",\"mac\":\"" + mac + "\"}\n";
    }

    /** The seal of {@code file}, or null when it has none; a seal that cannot be read is an IOException. */
    static Seal read(Path file) throws IOException {
        Path path = of(file);
        if (!Files.exists(path)) {
            return null;
        }
        try {
            JsonObject o = JsonParser.parseString(Files.readString(path, StandardCharsets.UTF_8)).getAsJsonObject();
            return new Seal(o.get("first").getAsLong(), o.get("first_prev").getAsString(), o.get("last").getAsLong(),
                    o.get("last_mac").getAsString(), o.has("opened") ? o.get("opened").getAsLong() : 0,
                    o.get("mac").getAsString());
        } catch (RuntimeException e) {
            throw new IOException(path + ": not a seal: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the seal of {@code file} in one step (write beside it, make it durable, rename, make the rename
     * durable), mode 0600.
     */
    void write(Path file) throws IOException {
        Path path = of(file);
        Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel c = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer b = ByteBuffer.wrap(toJson().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.force(true);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(path.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the rename is still atomic, only its durability is not.
        }
    }
}
