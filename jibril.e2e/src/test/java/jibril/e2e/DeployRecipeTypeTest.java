package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;

/**
 * A recipe type (breed) that a third-party bundle brings: recipes of that breed wait until its jar is dropped into
 * deploy/, then fire, and stop when the jar is removed; no restart.
 */
class DeployRecipeTypeTest {

    private static final Path JAR = Path.of(System.getProperty("jibril.example.recipetype.jar"));

    @Test
    void aRecipeTypeDroppedIntoDeployBringsItsRecipesToLife() throws Exception {
        Path scratch = Files.createTempDirectory(Path.of("/var/lib"), "jibril-breed-");
        try (JibrilProcess jibril = new JibrilProcess()) {
            Path recipes = Files.createDirectories(scratch.resolve("recipes"));
            Files.writeString(recipes.resolve("words.yaml"), """
                    - name: insecure_fetch
                      breed: command_words
                      mechanism: execution
                      importance: medium
                      words: [--insecure]
                    """);
            jibril.writeRecipesConfig(recipes, 200);
            jibril.start();
            assertTrue(jibril.awaitReady(90_000), jibril.log());
            assertTrue(JibrilProcess.waitFor(20_000, () -> recipes(jibril).contains("0 active, 0 disabled, 1 waiting")),
                    recipes(jibril));
            assertTrue(shell(jibril, "jibril:why insecure_fetch").contains("waiting: its breed 'command_words'"));

            Files.copy(JAR, jibril.deploy.resolve("recipetype.jar"), StandardCopyOption.REPLACE_EXISTING);
            assertTrue(JibrilProcess.waitFor(30_000, () -> recipes(jibril).contains("1 active")), recipes(jibril));
            Path fetch = scratch.resolve("fetcher");
            Files.copy(Path.of("/bin/true"), fetch, StandardCopyOption.COPY_ATTRIBUTES);
            new ProcessBuilder(fetch.toString(), "https://example.test/x", "--insecure").start().waitFor();
            assertTrue(JibrilProcess.waitFor(15_000, () -> events(jibril).contains("\"name\":\"insecure_fetch\"")),
                    "the third-party breed's recipe did not fire\n" + jibril.log());

            Files.delete(jibril.deploy.resolve("recipetype.jar"));
            assertTrue(JibrilProcess.waitFor(30_000, () -> recipes(jibril).contains("1 waiting")), recipes(jibril));
            long before = events(jibril).lines().filter(l -> l.contains("\"name\":\"insecure_fetch\"")).count();
            new ProcessBuilder(fetch.toString(), "--insecure").start().waitFor();
            Thread.sleep(3_000);
            assertEquals(before, events(jibril).lines().filter(l -> l.contains("\"name\":\"insecure_fetch\"")).count(),
                    "a recipe whose breed left must not fire");
            assertEquals(0, jibril.stop());
        } finally {
            JibrilProcess.delete(scratch);
        }
    }

    private static String recipes(JibrilProcess jibril) {
        return shell(jibril, "jibril:recipes");
    }

    private static String shell(JibrilProcess jibril, String command) {
        try {
            return jibril.shell(command).output();
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
