package jibril.reactions.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * Evidence of a process, collected before anyone kills it: its executable ({@code exe}, copied from
 * {@code /proc/<pid>/exe}, so even a deleted binary is kept), {@code cmdline}, {@code environ}, {@code maps},
 * {@code status} and {@code fds} (each open descriptor and what it points to), in a 0700 folder with
 * {@code SHA256SUMS} ({@code sha256sum -c} checks it).
 */
final class Evidence {

    static final long EXE_MAX = 512L * 1024 * 1024;

    private Evidence() {
    }

    static Path collect(long pid, Path root, String uuid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        if (!Files.isDirectory(proc)) {
            throw new java.nio.file.NoSuchFileException(proc.toString(), null, "no such process");
        }
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        String stamp = Instant.now().toString().replace(":", "");
        String tag = uuid == null || uuid.isBlank() ? "" : "-" + uuid.replaceAll("[^A-Za-z0-9-]", "");
        Path dir = Files.createDirectory(root.resolve(pid + "-" + stamp + tag),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<String> problems = new ArrayList<>();
        copy(proc.resolve("exe"), dir.resolve("exe"), EXE_MAX, problems);
        for (String f : List.of("cmdline", "environ", "maps", "status")) {
            copy(proc.resolve(f), dir.resolve(f), 64L * 1024 * 1024, problems);
        }
        StringBuilder fds = new StringBuilder();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.resolve("fd"))) {
            TreeMap<Integer, String> sorted = new TreeMap<>();
            for (Path fd : ds) {
                try {
                    sorted.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException | NumberFormatException e) {
                    // a descriptor closed meanwhile
                }
            }
            sorted.forEach((k, v) -> fds.append(k).append(" -> ").append(v).append('\n'));
        } catch (IOException e) {
            problems.add("fd: " + e);
        }
        write(dir.resolve("fds"), fds.toString());
        if (!problems.isEmpty()) {
            write(dir.resolve("errors"), String.join("\n", problems) + "\n");
        }
        StringBuilder sums = new StringBuilder();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            TreeMap<String, Path> files = new TreeMap<>();
            ds.forEach(p -> files.put(p.getFileName().toString(), p));
            for (var e : files.entrySet()) {
                sums.append(sha256(e.getValue())).append("  ").append(e.getKey()).append('\n');
            }
        }
        write(dir.resolve("SHA256SUMS"), sums.toString());
        return dir;
    }

    private static void copy(Path from, Path to, long max, List<String> problems) {
        try (InputStream in = Files.newInputStream(from);
                OutputStream out = Files.newOutputStream(to)) {
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0 && total < max;) {
                out.write(buf, 0, n);
                total += n;
            }
        } catch (IOException e) {
            problems.add(from.getFileName() + ": " + e);
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
