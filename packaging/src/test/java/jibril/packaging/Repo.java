package jibril.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The repository the tests check, and small helpers shared by them. */
final class Repo {

    static final Path ROOT = Path.of(System.getProperty("jibril.root", "..")).toAbsolutePath().normalize();

    private Repo() {
    }

    static String read(String relative) throws IOException {
        return Files.readString(ROOT.resolve(relative));
    }

    /** The project version, from the root pom.xml. */
    static String version() throws IOException {
        for (String line : read("pom.xml").lines().toList()) {
            if (line.startsWith("  <version>")) {
                return line.replace("<version>", "").replace("</version>", "").strip();
            }
        }
        throw new IllegalStateException("no <version> in pom.xml");
    }

    /** The modules the root pom.xml lists. */
    static List<String> modules() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : read("pom.xml").lines().toList()) {
            String l = line.strip();
            if (l.startsWith("<module>")) {
                out.add(l.replace("<module>", "").replace("</module>", ""));
            }
        }
        return out;
    }

    /** Every document of a multi-document YAML text, empty ones left out. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> documents(String yaml) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (o != null) {
                out.add((Map<String, Object>) o);
            }
        }
        return out;
    }

    record Result(int code, String output) {
    }

    /** Runs a command (stdout and stderr together) with extra environment; fails the test after the timeout. */
    static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static void delete(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
