package jibril.procfs.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a process has open (its /proc/PID/fd links) or mapped (file-backed lines of /proc/PID/maps), with the
 * metadata the kernel programs record for a file: inode, device in the kernel's encoding, mount id, file system
 * type, mode and owner. Pseudo-files (sockets, pipes, anonymous inodes) and deleted files are left out: the kernel
 * programs do not record them as files either.
 */
final class OpenFiles {

    /**
     * One file of one process.
     *
     * @param path      absolute path as the process sees it
     * @param actions   1 &lt;&lt; ACT_OPEN when a descriptor holds it, 1 &lt;&lt; ACT_MMAP when it is mapped, or both
     * @param kernelDev the device as the kernel keeps it (major &lt;&lt; 20 | minor)
     */
    record Open(String path, int actions, long ino, int kernelDev, int mntId, String fsType, int mode, int uid,
            int gid) {
    }

    private final Path proc;
    /** Mount id → file system type; mount ids are unique across mount namespaces, so one cache serves all. */
    private final Map<Integer, String> fsTypes = new HashMap<>();

    OpenFiles(Path proc) {
        this.proc = proc;
    }

    /** The files of one process; empty when it is gone or unreadable. */
    List<Open> of(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        Map<String, Open> byPath = new LinkedHashMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
            for (Path fd : fds) {
                Open o = fromFd(dir, fd);
                if (o != null) {
                    byPath.putIfAbsent(o.path(), o);
                }
            }
        } catch (IOException | RuntimeException e) {
            return List.of(); // gone, or a process we may not look into
        }
        try {
            for (String line : Files.readAllLines(dir.resolve("maps"))) {
                Open o = fromMap(dir, line);
                if (o == null) {
                    continue;
                }
                Open had = byPath.get(o.path());
                byPath.put(o.path(), had == null ? o : new Open(had.path(), had.actions() | o.actions(), had.ino(),
                        had.kernelDev(), had.mntId(), had.fsType(), had.mode(), had.uid(), had.gid()));
            }
        } catch (IOException | RuntimeException e) {
            // no maps (a kernel thread, or it exited): the descriptors are still worth keeping
        }
        return new ArrayList<>(byPath.values());
    }

    private Open fromFd(Path dir, Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            if (!target.startsWith("/") || target.endsWith(" (deleted)")) {
                return null;
            }
            Map<String, Object> a = Files.readAttributes(fd, "unix:ino,dev,mode,uid,gid");
            int mntId = 0;
            for (String l : Files.readAllLines(dir.resolve("fdinfo").resolve(fd.getFileName()))) {
                if (l.startsWith("mnt_id:")) {
                    mntId = Integer.parseInt(l.substring(7).strip());
                }
            }
            return new Open(target, 1 << jibril.bpf.layout.TaskFileLayout.ACT_OPEN, (Long) a.get("ino"),
                    kernelDev((Long) a.get("dev")), mntId, fsType(dir, mntId), (Integer) a.get("mode"),
                    (Integer) a.get("uid"), (Integer) a.get("gid"));
        } catch (IOException | RuntimeException e) {
            return null; // closed meanwhile
        }
    }

    /** {@code 7f..-7f.. r-xp 00000000 fe:01 1234 /usr/lib/x.so}: a file-backed mapping, or null. */
    private static Open fromMap(Path dir, String line) {
        String[] f = line.split("\\s+", 6);
        if (f.length < 6 || f[4].equals("0") || !f[5].startsWith("/") || f[5].endsWith(" (deleted)")) {
            return null;
        }
        String path = f[5];
        try {
            // Through the process's root, so that a containerised process's /usr/lib is its own.
            Map<String, Object> a = Files.readAttributes(Path.of(dir.resolve("root").toString() + path),
                    "unix:ino,dev,mode,uid,gid");
            if ((Long) a.get("ino") != Long.parseLong(f[4])) {
                return null; // replaced since it was mapped
            }
            return new Open(path, 1 << jibril.bpf.layout.TaskFileLayout.ACT_MMAP, (Long) a.get("ino"),
                    kernelDev((Long) a.get("dev")), 0, "", (Integer) a.get("mode"), (Integer) a.get("uid"),
                    (Integer) a.get("gid"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private String fsType(Path dir, int mntId) {
        if (mntId == 0) {
            return "";
        }
        String known = fsTypes.get(mntId);
        if (known != null) {
            return known;
        }
        try {
            for (String l : Files.readAllLines(dir.resolve("mountinfo"))) {
                int dash = l.indexOf(" - ");
                int sp = l.indexOf(' ');
                if (dash < 0 || sp < 0) {
                    continue;
                }
                String[] after = l.substring(dash + 3).split(" ");
                fsTypes.put(Integer.parseInt(l.substring(0, sp)), after.length > 0 ? after[0] : "");
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return fsTypes.getOrDefault(mntId, "");
    }

    /** stat(2)'s st_dev (glibc's encoding) as the kernel keeps a dev_t: major &lt;&lt; 20 | minor. */
    static int kernelDev(long st) {
        long major = ((st >>> 8) & 0xfffL) | ((st >>> 32) & ~0xfffL);
        long minor = (st & 0xffL) | ((st >>> 12) & ~0xffL);
        return (int) ((major << 20) | (minor & 0xfffffL));
    }
}
