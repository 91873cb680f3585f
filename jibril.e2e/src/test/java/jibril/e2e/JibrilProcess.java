package jibril.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * One daemon started through bin/jibril, isolated from any other Jibril on the host: its own pin root under
 * /sys/fs/bpf, admin socket, bundle cache, deploy folder and health port. {@link #close()} stops it and removes
 * everything it made, pins included.
 */
final class JibrilProcess implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("jibril.root", "..")).toAbsolutePath().normalize();

    final Path dir;
    final Path stdout;
    final Path stderr;
    final Path config;
    final Path deploy;
    final Path pinRoot;
    final Path socket;
    final int healthPort;
    private Process process;
    private List<String> wrapper = List.of();
    private Map<String, String> extraEnv = Map.of();

    JibrilProcess() throws IOException {
        dir = Files.createTempDirectory("jibril-e2e-");
        stdout = dir.resolve("events.json");
        stderr = dir.resolve("jibril.log");
        config = dir.resolve("config.yaml");
        deploy = dir.resolve("deploy");
        pinRoot = Path.of("/sys/fs/bpf/" + dir.getFileName());
        socket = dir.resolve("run/jibril.sock");
        healthPort = freePort();
        writeConfig("");
    }

    /** Writes config.yaml: the defaults plus this run's health port, plus extra YAML lines. */
    void writeConfig(String extra) throws IOException {
        Files.writeString(config, """
                run-time:
                  log-level: info
                  health-port: %d
                config:
                  plugin: [jibril:hold, jibril:procfs]
                  printer: [jibril:printers:stdout]
                  event: [jibril:core:exec]
                """.formatted(healthPort) + extra);
    }

    /**
     * Writes a config.yaml with the detection engine and its built-in library, detections to stdout, no exec
     * events, and these cadences (YAML lines under {@code cadences:}, e.g. {@code "  network-flows: 1\n"}).
     */
    void writeDetectionsConfig(String cadences) throws IOException {
        Files.writeString(config, """
                run-time:
                  log-level: info
                  health-port: %d
                cadences:
                %sconfig:
                  plugin: [jibril:hold, jibril:procfs, jibril:printers, jibril:detect]
                  printer: [jibril:printers:stdout]
                  event: []
                """.formatted(healthPort, cadences));
    }

    /** Appends YAML (top-level sections not written yet, e.g. {@code caches:}) to the config.yaml written before. */
    void appendConfig(String yaml) throws IOException {
        Files.writeString(config, yaml, java.nio.file.StandardOpenOption.APPEND);
    }

    /**
     * Writes a config.yaml for recipe tests: the detection engine with only the recipes of {@code recipes} (no
     * built-in library), checked every {@code intervalMs}, detections to stdout, no exec events.
     */
    void writeRecipesConfig(Path recipes, int intervalMs) throws IOException {
        Files.writeString(config, """
                run-time:
                  log-level: info
                  health-port: %d
                config:
                  plugin: [jibril:hold, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%s:interval=%d"]
                  printer: [jibril:printers:stdout]
                  event: []
                """.formatted(healthPort, recipes, intervalMs));
    }

    Map<String, String> env() {
        return Map.of("JIBRIL_SOCKET", socket.toString(), "JIBRIL_PIN_ROOT", pinRoot.toString(),
                "JIBRIL_CACHE", dir.resolve("cache").toString(),
                "JIBRIL_JAVA_OPTS", "-Djibril.example.printer.file=" + dir.resolve("example.log"));
    }

    /**
     * Runs the launcher through a command (e.g. setpriv with a capability bounding set) and with more environment
     * variables (e.g. NOTIFY_SOCKET), at the next {@link #start}.
     */
    JibrilProcess wrapped(List<String> command, Map<String, String> environment) {
        wrapper = List.copyOf(command);
        extraEnv = Map.copyOf(environment);
        return this;
    }

    JibrilProcess start(String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of(ROOT.resolve("bin/jibril").toString(), "--config",
                config.toString(), "--stdout", stdout.toString(), "--stderr", stderr.toString(), "--deploy",
                deploy.toString()));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(dir.resolve("launcher.out").toFile()).redirectError(dir.resolve("launcher.err").toFile());
        pb.environment().putAll(env());
        pb.environment().putAll(extraEnv);
        process = pb.start();
        return this;
    }

    Process process() {
        return process;
    }

    /** Waits until /health/ready answers 200; false if it did not within the time or the daemon died. */
    boolean awaitReady(long millis) throws InterruptedException {
        return waitFor(millis, () -> process.isAlive() && httpStatus("/health/ready") == 200);
    }

    int httpStatus(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + healthPort + path).toURL()
                    .openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(3_000);
            int code = c.getResponseCode();
            c.disconnect();
            return code;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Runs bin/jibril shell -c COMMAND against this daemon; returns exit code and output. */
    Result shell(String command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/jibril").toString(), "shell", "-c", command)
                .redirectErrorStream(true);
        pb.environment().putAll(env());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), out);
    }

    record Result(int code, String output) {
    }

    /** SIGTERM (through the launcher script, which exec'd java) and the exit code. */
    int stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return process == null ? -1 : process.exitValue();
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** The JSON rows `bin/jibril query ARGS` printed against this daemon. */
    List<String> query(String... args) {
        return rawQuery(args).lines().filter(l -> l.startsWith("{")).toList();
    }

    /** Everything `bin/jibril query` printed, errors included. */
    String rawQuery(String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("bin/jibril").toString(),
                    "query"));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env());
            Process q = pb.start();
            try (InputStream in = q.getInputStream()) {
                String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return out + "(exit " + q.waitFor() + ")";
            }
        } catch (Exception e) {
            return e.toString();
        }
    }

    String log() {
        try {
            String out = Files.exists(stderr) ? Files.readString(stderr) : "";
            Path launcher = dir.resolve("launcher.err");
            return out + (Files.exists(launcher) ? Files.readString(launcher) : "");
        } catch (IOException e) {
            return e.toString();
        }
    }

    List<String> events() throws IOException {
        return Files.exists(stdout) ? Files.readAllLines(stdout) : List.of();
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        delete(pinRoot);
        delete(dir);
    }

    static boolean waitFor(long millis, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
