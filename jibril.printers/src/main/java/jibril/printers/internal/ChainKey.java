package jibril.printers.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The per-host secret that keys the chain of the file printers: 32 random bytes, hex, in one file readable by root
 * only ({@code /etc/jibril/chain.key} unless a printer's {@code chain-key} option says otherwise). Made on first use;
 * never replaced, since a new key would make every earlier line unverifiable.
 */
final class ChainKey {

    static final Path DEFAULT = Path.of("/etc/jibril/chain.key");
    static final int BYTES = 32;

    private ChainKey() {
    }

    /** What loading found: the key, and whether it was made now or is readable by others than its owner. */
    record Loaded(byte[] key, boolean created, boolean exposed) {
    }

    /** Reads the key at {@code path}, making it (mode 0600) if there is none. */
    static Loaded loadOrCreate(Path path) throws IOException {
        boolean created = false;
        if (!Files.exists(path)) {
            created = create(path);
        }
        String text = Files.readString(path, StandardCharsets.US_ASCII).strip();
        byte[] key;
        try {
            key = HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": not a chain key (expected " + 2 * BYTES + " hex digits)");
        }
        if (key.length < 16) {
            throw new IOException(path + ": the key has " + key.length + " bytes, at least 16 are needed");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
        boolean exposed = perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
        return new Loaded(key, created, exposed);
    }

    /** Writes a new key beside the target and links it into place, so that concurrent makers agree on one. */
    private static boolean create(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] key = new byte[BYTES];
        new SecureRandom().nextBytes(key);
        Path tmp = Files.createTempFile(dir, ".chain-key-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, HexFormat.of().formatHex(key) + "\n", StandardCharsets.US_ASCII);
            Files.createLink(path, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
