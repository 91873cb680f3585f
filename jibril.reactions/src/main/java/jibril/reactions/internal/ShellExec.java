package jibril.reactions.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jibril.core.api.Reaction;

/**
 * Shell reactions: {@code /bin/sh -c CODE} in its own session (so its process group holds everything it starts),
 * in a fresh 0700 directory under the reactions temp root, with a minimal environment: {@code PATH},
 * {@code HOME}/{@code TMPDIR} (the directory), {@code LANG=C}, {@code REACTION_DATA} (the event JSON),
 * {@code REACTION_DATA_FILE} (the same JSON in {@code event.json}), {@code REACTION_RECIPE},
 * {@code REACTION_INDEX}, {@code REACTION_UUID}. Its output (stdout and stderr) is captured. When it ends, or
 * when the time limit passes, its whole process group is killed (what it left behind included), and the
 * directory is removed.
 */
final class ShellExec {

    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The kernel's limit for one environment string is 128 KiB; a larger event goes by file only. */
    static final int ENV_MAX = 120 * 1024;

    private final Options options;
    private final Libc libc;

    ShellExec(Options options, Libc libc) {
        this.options = options;
        this.libc = libc;
    }

    private static String setsid() {
        for (String p : new String[] { "/usr/bin/setsid", "/bin/setsid" }) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IllegalStateException("setsid(1) is not installed (util-linux)");
    }

    /** Runs the code; returns its output, or throws with the exit code or the overrun. */
    String run(Reaction reaction, String uuid, String json, Duration limit) throws Exception {
        Path root = options.tmpRoot();
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        Path dir = Files.createTempDirectory(root, "shell-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path data = dir.resolve("event.json");
            Files.createFile(data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(data, json, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(setsid(), "/bin/sh", "-c", reaction.code());
            pb.directory(dir.toFile());
            Map<String, String> env = pb.environment();
            env.clear();
            env.put("PATH", PATH);
            env.put("HOME", dir.toString());
            env.put("TMPDIR", dir.toString());
            env.put("LANG", "C");
            env.put("REACTION_DATA", json.length() <= ENV_MAX ? json : "");
            env.put("REACTION_DATA_FILE", data.toString());
            env.put("REACTION_RECIPE", reaction.recipe());
            env.put("REACTION_INDEX", Integer.toString(reaction.index()));
            env.put("REACTION_UUID", uuid == null ? "" : uuid);
            pb.redirectErrorStream(true);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            long pgid = p.pid();
            Capture out = new Capture(p.getInputStream(), options.outputMax());
            Thread reader = Thread.ofVirtual().name("jibril-reaction-shell-out").start(out);
            boolean done;
            try {
                done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                killGroup(pgid);
            }
            // only now: destroying a Process closes its streams, which would cut the output still being read
            reader.join(2000);
            p.destroyForcibly();
            String text = out.text();
            if (!done) {
                throw new TimeoutException("stopped: still running after " + limit.toMillis() + " ms; output: "
                        + text);
            }
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException("exit code " + code + (text.isEmpty() ? "" : "; output: " + text));
            }
            return text;
        } finally {
            Helpers.deleteTree(dir);
        }
    }

    /** SIGKILL to the group until it is empty (a fork bomb keeps adding members for a moment). */
    private void killGroup(long pgid) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            int rc = libc.killGroup(pgid, Libc.SIGKILL);
            if (rc == Libc.ESRCH) {
                return;
            }
            if (!anyAlive(pgid)) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /** Whether a process of the group still runs (zombies waiting for their reaper do not count). */
    private static boolean anyAlive(long pgid) {
        return ProcessHandle.allProcesses().anyMatch(h -> {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[2]) == pgid && !f[0].equals("Z");
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
    }

    /** Reads a stream to its end, keeping the first bytes. */
    static final class Capture implements Runnable {
        private final InputStream in;
        private final int max;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean cut;

        Capture(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buf)) > 0;) {
                    synchronized (kept) {
                        int room = max - kept.size();
                        if (room > 0) {
                            kept.write(buf, 0, Math.min(room, n));
                        }
                        if (n > room) {
                            cut = true;
                        }
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8) + (cut ? "…(cut)" : "");
            }
        }
    }
}
