package jibril.netpolicy.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.osgi.service.log.Logger;

import jibril.bpf.BpfException;
import jibril.bpf.BpfRuntime;

/** Where the root of the cgroup v2 hierarchy is; when no cgroup2 is mounted, mounts one under /run/jibril. */
final class Cgroups {

    static final Path FALLBACK = Path.of("/run/jibril/cgroup2");

    private Cgroups() {
    }

    static Path root(Logger logger) {
        try {
            return BpfRuntime.cgroup2Root();
        } catch (BpfException e) {
            logger.warn("{}; mounting cgroup2 at {}", e.getMessage(), FALLBACK);
        }
        try {
            Files.createDirectories(FALLBACK);
            Process p = new ProcessBuilder(List.of("mount", "-t", "cgroup2", "none", FALLBACK.toString()))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new BpfException("cannot mount cgroup2 at " + FALLBACK + ": " + out.strip(), 19);
            }
        } catch (IOException e) {
            throw new BpfException("cannot mount cgroup2 at " + FALLBACK + ": " + e, 5, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while mounting cgroup2");
        }
        return BpfRuntime.cgroup2Root();
    }
}
