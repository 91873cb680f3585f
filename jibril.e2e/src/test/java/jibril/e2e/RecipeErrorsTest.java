package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Broken recipe files in the recipes directory of a running daemon: each is refused with its file, line, field
 * and reason (in the log and in jibril:recipes), a broken edit of a good file keeps the good version active, and
 * detection goes on.
 */
class RecipeErrorsTest {

    private static final String GOOD = """
            - name: errors_probe
              breed: file_access
              mechanism: execution
              importance: low
              file_actions: [execve]
              bases:
                - regex: /errors-probe-%s$
            """;

    @Test
    void brokenFilesAreRefusedWithWhereAndWhyAndDetectionGoesOn() throws Exception {
        Path scratch = Files.createTempDirectory("jibril-recipe-errors-");
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path recipes = Files.createDirectories(scratch.resolve("recipes"));
            Path good = recipes.resolve("good.yaml");
            Files.writeString(good, GOOD.formatted("a"));
            jibril.writeRecipesConfig(recipes, 100);
            jibril.start();
            assertTrue(jibril.awaitReady(90_000), jibril.log());

            Map<String, String> corpus = new LinkedHashMap<>();
            corpus.put("not-yaml.yaml", "- name: x\n  breed: [file_access\n");
            corpus.put("wrong-type.yaml", "- name: wrong_type\n  breed: file_access\n  enabled: sometimes\n");
            corpus.put("unknown-field.yaml", "- name: unknown_field\n  breed: file_access\n  file_actions: [open]\n"
                    + "  bases: [{base: a}]\n  colour: blue\n");
            corpus.put("bad-regex.yaml", "- name: bad_regex\n  breed: file_access\n  file_actions: [open]\n"
                    + "  bases:\n    - regex: '[unclosed'\n");
            corpus.put("bad-cidr.yaml", "- name: bad_cidr\n  breed: remote_cidrs\n  remote_cidrs: [10.0.0.0/40]\n");
            corpus.put("missing-breed.yaml", "- name: missing_breed\n  importance: high\n");
            corpus.put("bad-action.yaml", "- name: bad_action\n  breed: file_access\n  file_actions: [opne]\n"
                    + "  bases: [{base: a}]\n");
            corpus.put("huge.yaml", "# " + "x".repeat(9 * 1024 * 1024) + "\n");
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("not-yaml.yaml", "not-yaml.yaml:3:1: not valid YAML");
            expected.put("wrong-type.yaml", "wrong-type.yaml:3:3: recipe wrong_type: enabled: must be true or false");
            expected.put("unknown-field.yaml", "unknown-field.yaml:5:3: recipe unknown_field: colour: unknown field");
            expected.put("bad-regex.yaml", "bad-regex.yaml:5:7: recipe bad_regex: bases[0].regex: not a valid regular");
            expected.put("bad-cidr.yaml", "bad-cidr.yaml:3:18: recipe bad_cidr: remote_cidrs[0]: '10.0.0.0/40': prefix");
            expected.put("missing-breed.yaml", "missing-breed.yaml:1:1: recipe missing_breed: breed: missing");
            expected.put("bad-action.yaml", "bad-action.yaml:3:3: recipe bad_action: file_actions: unknown file action");
            expected.put("huge.yaml", "huge.yaml: file too large");
            for (Map.Entry<String, String> e : corpus.entrySet()) {
                Files.writeString(recipes.resolve(e.getKey()), e.getValue());
            }
            // a broken edit of the good file: its previous version must stay active
            Thread.sleep(500);
            Files.writeString(good, GOOD.formatted("a") + "  times: lots\n");
            for (Map.Entry<String, String> e : expected.entrySet()) {
                String want = recipes.resolve(e.getValue()).toString();
                assertTrue(JibrilProcess.waitFor(15_000, () -> recipesOutput(jibril).contains(want)),
                        "no error '" + want + "' in\n" + recipesOutput(jibril));
                assertTrue(jibril.log().contains(want), "the log lacks '" + want + "'");
            }
            assertTrue(JibrilProcess.waitFor(15_000, () -> recipesOutput(jibril).contains(good + ":8:3: recipe "
                    + "errors_probe: times: must be a list")), recipesOutput(jibril));
            assertTrue(recipesOutput(jibril).contains("1 active"), recipesOutput(jibril));

            // detection goes on with the last good version
            Path bin = Files.createDirectories(scratch.resolve("bin"));
            Path probe = bin.resolve("errors-probe-a");
            Files.copy(Path.of("/usr/bin/true"), probe);
            probe.toFile().setExecutable(true);
            new ProcessBuilder(probe.toString()).start().waitFor();
            assertTrue(JibrilProcess.waitFor(15_000, () -> events(jibril).contains("\"name\":\"errors_probe\"")),
                    "the good recipe did not fire\n" + jibril.log());
            assertTrue(jibril.process().isAlive());
            assertTrue(jibril.stop() == 0);
        } finally {
            JibrilProcess.delete(scratch);
        }
    }

    private static String recipesOutput(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:recipes").output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String events(JibrilProcess jibril) {
        try {
            return String.join("\n", jibril.events());
        } catch (Exception e) {
            return "";
        }
    }
}
