package jibril.data.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jibril.bpf.BpfRuntime;
import jibril.bpf.layout.TaskLayout;

/**
 * Names for what the kernel records as numbers: user and group names (from /etc/passwd and /etc/group, re-read
 * when they change), cgroup paths from cgroup ids (the id is the cgroup directory's inode number; the hierarchy is
 * walked again when an id is unknown, at most once a second) and container ids from cgroup paths.
 */
final class Places {

    /** docker, containerd (cri), cri-o and podman name the container in the cgroup path. */
    static final Pattern CONTAINER = Pattern.compile(
            "(?:docker[-/]|cri-containerd-|crio-|libpod-|containerd/|kubepods.*/)([0-9a-f]{64})(?:\\.scope)?(?:/|$)");

    private final Path passwd;
    private final Path group;
    private final Path cgroupRoot;
    private volatile Map<Long, String> users = Map.of();
    private volatile Map<Long, String> groups = Map.of();
    /** What passwd and group looked like when last read: null before the first read. */
    private volatile Stamp passwdStamp;
    private volatile Stamp groupStamp;

    /** A file's modification time, size and inode: a rewrite changes one of them (mtime alone may not tick). */
    private record Stamp(java.nio.file.attribute.FileTime modified, long size, Object inode) {
    }
    private volatile long checkedAtMs;
    private final Map<Long, String> cgroups = new ConcurrentHashMap<>();
    private volatile long lastWalkMs;

    private final long refreshMillis;

    Places(Path etc, Path cgroupRoot, long refreshMillis) {
        this.refreshMillis = refreshMillis;
        this.passwd = etc.resolve("passwd");
        this.group = etc.resolve("group");
        this.cgroupRoot = cgroupRoot;
    }

    /** The places of the running host. */
    static Places host() {
        Path root;
        try {
            root = BpfRuntime.cgroup2Root();
        } catch (RuntimeException e) {
            root = null;
        }
        return new Places(Path.of("/etc"), root, 1000);
    }

    String user(long uid) {
        refresh();
        return users.getOrDefault(uid, "");
    }

    String group(long gid) {
        refresh();
        return groups.getOrDefault(gid, "");
    }

    /** Re-reads passwd and group when they changed; looks at most once a refresh period (on the event path). */
    private void refresh() {
        long now = System.currentTimeMillis();
        if (now - checkedAtMs < refreshMillis && passwdStamp != null) {
            return;
        }
        checkedAtMs = now;
        Stamp p = stamp(passwd);
        if (!p.equals(passwdStamp)) {
            users = names(passwd);
            passwdStamp = p;
        }
        Stamp g = stamp(group);
        if (!g.equals(groupStamp)) {
            groups = names(group);
            groupStamp = g;
        }
    }

    /** The cgroup path of this id relative to the hierarchy's root ("/" for the root), or empty. */
    String cgroup(long id) {
        if (id == 0 || cgroupRoot == null) {
            return "";
        }
        String known = cgroups.get(id);
        if (known != null) {
            return known;
        }
        long now = System.currentTimeMillis();
        if (now - lastWalkMs > 1000) {
            lastWalkMs = now;
            walk();
        }
        return cgroups.getOrDefault(id, "");
    }

    private void walk() {
        try (Stream<Path> dirs = Files.walk(cgroupRoot, 32)) {
            dirs.filter(Files::isDirectory).forEach(d -> {
                try {
                    Object ino = Files.readAttributes(d, BasicFileAttributes.class).fileKey();
                    long inode = inode(ino);
                    if (inode > 0) {
                        String rel = "/" + cgroupRoot.relativize(d);
                        cgroups.put(inode, rel.equals("/") ? "/" : rel);
                    }
                } catch (IOException e) {
                    // gone while walking
                }
            });
        } catch (IOException | RuntimeException e) {
            // the hierarchy changed under us; the next miss walks again
        }
    }

    /** The inode from a fileKey such as "(dev=2a,ino=1234)". */
    static long inode(Object fileKey) {
        if (fileKey == null) {
            return -1;
        }
        Matcher m = Pattern.compile("ino=(\\d+)").matcher(fileKey.toString());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String containerId(String cgroupPath) {
        Matcher m = CONTAINER.matcher(cgroupPath);
        return m.find() ? m.group(1) : "";
    }

    static Map<String, Long> namespaces(TaskLayout.Namespaces ns) {
        if (ns.mnt() == 0 && ns.pid() == 0 && ns.net() == 0) {
            return Map.of();
        }
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("mnt", ns.mnt());
        m.put("pid", ns.pid());
        m.put("net", ns.net());
        m.put("uts", ns.uts());
        m.put("ipc", ns.ipc());
        m.put("user", ns.user());
        m.put("cgroup", ns.cgroup());
        return m;
    }

    private static Stamp stamp(Path file) {
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (IOException e) {
            return new Stamp(null, -1, null);
        }
    }

    /** name:x:id:... lines of passwd or group. */
    private static Map<Long, String> names(Path file) {
        Map<Long, String> m = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(file);
            for (String l : lines) {
                String[] f = l.split(":");
                if (f.length > 2) {
                    try {
                        m.putIfAbsent(Long.parseLong(f[2]), f[0]);
                    } catch (NumberFormatException e) {
                        // not an entry
                    }
                }
            }
        } catch (IOException e) {
            // no names on this host
        }
        return Map.copyOf(m);
    }
}
