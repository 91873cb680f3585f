package jibril.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.google.gson.Gson;

/**
 * packaging/Dockerfile, checked without a Docker engine (none runs here, and no Dockerfile linter is packaged
 * for Debian or Maven Central): it is read instruction by instruction, and what it relies on is checked against
 * the repository. Whether the image builds and runs is not tested here.
 */
class DockerfileTest {

    static final Path DOCKERFILE = Repo.ROOT.resolve("packaging/Dockerfile");

    record Instruction(String stage, String keyword, String arguments) {
    }

    @Test
    void everyStageStartsFromAPinnedImageOrAnEarlierStage() throws IOException {
        List<Instruction> all = instructions();
        assertTrue(Files.readString(DOCKERFILE).startsWith("# syntax=docker/dockerfile:1"),
                "RUN --mount needs BuildKit's syntax");
        List<String> stages = new ArrayList<>();
        for (Instruction i : all) {
            if (i.keyword.equals("FROM")) {
                String[] w = i.arguments.split("\\s+");
                String image = w[0];
                assertTrue(stages.contains(image) || image.matches("[a-z0-9./_-]+:[A-Za-z0-9._-]+")
                        && !image.endsWith(":latest"), "unpinned image " + image);
                if (w.length == 3) {
                    assertEquals("AS", w[1].toUpperCase());
                    stages.add(w[2]);
                }
            }
            if (i.keyword.equals("COPY") && i.arguments.startsWith("--from=")) {
                String from = i.arguments.substring(7, i.arguments.indexOf(' '));
                assertTrue(stages.contains(from), "COPY --from an unknown stage " + from);
            }
        }
        assertEquals(List.of("jdk", "jre", "build"), stages);
        assertTrue(all.get(all.size() - 1).stage.equals("final"), "the last stage is the image");
    }

    @Test
    void everyCopySourceExistsAndTheWholeReactorIsCopied() throws IOException {
        Set<String> copied = new java.util.HashSet<>();
        for (Instruction i : instructions()) {
            if (i.keyword.equals("COPY") && !i.arguments.startsWith("--")) {
                List<String> w = List.of(i.arguments.split("\\s+"));
                for (String source : w.subList(0, w.size() - 1)) {
                    assertTrue(Files.exists(Repo.ROOT.resolve(source)), "COPY source missing: " + source);
                    copied.add(source);
                }
            }
        }
        List<String> needed = new ArrayList<>(Repo.modules());
        needed.addAll(List.of("pom.xml", "bnd.bnd", "cnf", "bin"));
        for (String n : needed) {
            assertTrue(copied.contains(n), n + " is part of the build but the Dockerfile does not COPY it");
        }
        String ignore = Files.readString(Repo.ROOT.resolve("packaging/Dockerfile.dockerignore"));
        assertTrue(ignore.lines().anyMatch(l -> l.strip().equals("**/target")), "build output must stay out");
    }

    @Test
    void theBuildMakesTheJarsAndInstallsThemAsJibrilInstallDoes() throws Exception {
        List<Instruction> build = instructions().stream().filter(i -> i.stage.equals("build")).toList();
        String mvn = build.stream().filter(i -> i.keyword.equals("RUN") && i.arguments.contains("mvn ")).findFirst()
                .orElseThrow().arguments;
        assertFalse(mvn.matches(".*\\binstall\\b.*"), "mvn install in the image build: " + mvn);
        assertTrue(mvn.contains(" package") && mvn.contains("bndrun") && mvn.contains("jibril.cli"), mvn);
        String install = build.stream().filter(i -> i.keyword.equals("RUN") && i.arguments.contains("jibril install"))
                .findFirst().orElseThrow().arguments;
        String staging = install.replaceAll(".*JIBRIL_DESTDIR=(\\S+).*", "$1");
        assertTrue(instructions().stream().anyMatch(i -> i.stage.equals("final") && i.keyword.equals("COPY")
                && i.arguments.equals("--from=build " + staging + "/opt/jibril /opt/jibril")),
                "the image takes /opt/jibril from " + staging);
        // What the build stage installs is what bin/setup installs for building.
        String setup = Files.readString(Repo.ROOT.resolve("bin/setup"));
        for (String pkg : List.of("clang", "llvm", "libbpf-dev", "bpftool", "maven")) {
            assertTrue(setup.contains(" " + pkg + " ") && aptInstall(build).contains(pkg), pkg);
        }
    }

    @Test
    void theEntrypointIsTheLaunchersJavaCommand() throws Exception {
        Path staging = Files.createTempDirectory("jibril-image-");
        try {
            Repo.Result install = Repo.run(Map.of("JIBRIL_DESTDIR", staging.toString()),
                    Repo.ROOT.resolve("bin/jibril").toString(), "install");
            assertEquals(0, install.code(), install.output());
            // The installed launcher, with no option and no JIBRIL_* variable: what it would exec.
            Map<String, String> env = new LinkedHashMap<>();
            env.put("JIBRIL_DRY_RUN", "1");
            for (String v : List.of("JIBRIL_SOCKET", "JIBRIL_PIN_ROOT", "JIBRIL_CACHE", "JIBRIL_JAVA_OPTS",
                    "JIBRIL_DESTDIR")) {
                env.put(v, "");
            }
            Repo.Result dry = Repo.run(env, staging.resolve("opt/jibril/bin/jibril").toString());
            assertEquals(0, dry.code(), dry.output());
            List<String> launcher = dry.output().lines().map(l -> l.replace(staging.toString(), "")).toList();
            List<String> entrypoint = entrypoint();
            assertTrue(launcher.get(0).endsWith("/bin/java") && entrypoint.get(0).endsWith("/bin/java"));
            assertEquals(launcher.subList(1, launcher.size()), entrypoint.subList(1, entrypoint.size()),
                    "ENTRYPOINT and `jibril` installed in /opt/jibril must run the same java command");
            assertTrue(Files.isRegularFile(staging.resolve(entrypoint.get(entrypoint.size() - 1).substring(1))));
            assertEquals("/opt/java/openjdk/bin/java", entrypoint.get(0));
        } finally {
            Repo.delete(staging);
        }
    }

    @Test
    void theImageHasWhatTheDaemonAndTheKubernetesProbesRun() throws IOException {
        List<Instruction> image = instructions().stream().filter(i -> i.stage.equals("final")).toList();
        String packages = aptInstall(image);
        assertTrue(packages.contains("libbpf1"), "JNA loads libbpf.so.1");
        for (Map<String, Object> d : KubernetesTest.manifest()) {
            if (d.get("kind").equals("DaemonSet")) {
                Map<String, Object> pod = KubernetesTest.map(KubernetesTest.map(KubernetesTest.map(d, "spec"),
                        "template"), "spec");
                Map<String, Object> c = KubernetesTest.list(pod, "containers").get(0);
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    Object cmd = KubernetesTest.map(KubernetesTest.map(c, probe), "exec").get("command");
                    String tool = String.valueOf(((List<?>) cmd).get(0));
                    assertTrue(packages.contains(tool), probe + " runs " + tool + ", which the image lacks");
                }
            }
        }
        assertTrue(image.stream().anyMatch(i -> i.keyword.equals("COPY") && i.arguments.contains("--from=jre")),
                "a Java runtime");
    }

    // ---- reading the Dockerfile ----

    /** The instructions, continuation lines joined, comments dropped, each with its stage's name. */
    static List<Instruction> instructions() throws IOException {
        List<Instruction> out = new ArrayList<>();
        String stage = null;
        StringBuilder cur = new StringBuilder();
        for (String line : Files.readAllLines(DOCKERFILE)) {
            String l = line.strip();
            if (cur.isEmpty() && (l.isEmpty() || l.startsWith("#"))) {
                continue;
            }
            if (l.startsWith("#")) {
                continue;
            }
            if (l.endsWith("\\")) {
                cur.append(l, 0, l.length() - 1).append(' ');
                continue;
            }
            cur.append(l);
            String text = cur.toString().strip();
            cur.setLength(0);
            int sp = text.indexOf(' ');
            String keyword = text.substring(0, sp).toUpperCase();
            String args = text.substring(sp + 1).strip().replaceAll("\\s+", " ");
            if (keyword.equals("FROM")) {
                String[] w = args.split(" ");
                stage = w.length == 3 ? w[2] : "final";
            }
            assertTrue(Set.of("FROM", "RUN", "COPY", "ENV", "WORKDIR", "LABEL", "HEALTHCHECK", "ENTRYPOINT", "CMD",
                    "ARG", "USER", "EXPOSE", "STOPSIGNAL", "VOLUME").contains(keyword), "unknown instruction " + text);
            assertTrue(stage != null, "instruction before FROM: " + text);
            out.add(new Instruction(stage, keyword, args));
        }
        return out;
    }

    static List<String> entrypoint() throws IOException {
        List<Instruction> e = instructions().stream().filter(i -> i.keyword.equals("ENTRYPOINT")).toList();
        assertEquals(1, e.size());
        assertTrue(e.get(0).arguments.startsWith("["), "ENTRYPOINT in exec form, so java is PID 1 and gets SIGTERM");
        String[] parsed = new Gson().fromJson(e.get(0).arguments, String[].class);
        return List.of(parsed);
    }

    private static String aptInstall(List<Instruction> stage) {
        return stage.stream().filter(i -> i.keyword.equals("RUN") && i.arguments.contains("apt-get install"))
                .map(Instruction::arguments).collect(Collectors.joining(" "));
    }
}
