package jibril.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.systemPackages;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.ops4j.pax.exam.Option;

/**
 * The framework every in-framework test runs in: this build's bundles (from target/bundles, copied from the
 * reactor), a config file of the test's own, and a pin root of its own under /sys/fs/bpf so that tests never
 * touch a running daemon's maps. Everything created here is removed when the test JVM exits.
 */
final class JibrilOptions {

    private JibrilOptions() {
    }

    /**
     * Options for a framework running Jibril with this config.yaml text; {@code %PORT%} becomes a free port and
     * {@code %DIR%} the test's own directory (the framework property {@code jibril.itest.dir}).
     */
    static Option[] with(String configYaml, String... extraProperties) {
        try {
            Path dir = Files.createTempDirectory("jibril-itest-");
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, configYaml.replace("%PORT%", Integer.toString(freePort()))
                    .replace("%DIR%", dir.toString()));
            Path pinRoot = Path.of("/sys/fs/bpf/" + dir.getFileName());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                delete(dir);
                delete(pinRoot);
            }));
            List<Option> options = new ArrayList<>();
            try (Stream<Path> jars = Files.list(Path.of(System.getProperty("jibril.bundles")))) {
                jars.filter(p -> p.toString().endsWith(".jar")).sorted()
                        .forEach(p -> options.add(bundle(p.toUri().toString())));
            }
            // JDK packages the bundles import, as cnf/run.bnd's -runsystempackages (systemPackages() adds to what
            // Pax Exam itself exports from the class path, such as org.slf4j).
            options.add(systemPackages("com.sun.net.httpserver", "sun.misc", "jdk.net", "com.sun.management"));
            options.add(frameworkProperty("org.osgi.framework.bootdelegation").value("jdk.internal.*,sun.misc,sun.reflect"));
            options.add(frameworkProperty("jibril.pin.root").value(pinRoot.toString()));
            options.add(frameworkProperty("jibril.config").value(config.toString()));
            options.add(frameworkProperty("jibril.config.poll.ms").value("200"));
            options.add(frameworkProperty("jibril.itest.dir").value(dir.toString()));
            for (int i = 0; i + 1 < extraProperties.length; i += 2) {
                options.add(frameworkProperty(extraProperties[i]).value(extraProperties[i + 1]));
            }
            options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
            options.add(systemProperty("pax.exam.invoker").value("junit"));
            options.add(cleanCaches(true));
            return options.toArray(Option[]::new);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at JVM exit
        }
    }

    /** A config with no printer (tests register their own) and exec events on. */
    static final String QUIET_CONFIG = """
            run-time:
              log-level: info
              health-port: %PORT%
            config:
              plugin: [jibril:hold]
              printer: []
              event: [jibril:core:exec]
            """;
}
