package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Every public recipe file of the original product (../shared/compat/jibril-recipes, next to the repository; not
 * copied into it) parses and compiles unchanged, and the built-in library of this bundle does too.
 */
class CompatCorpusTest {

    static final Path CORPUS = Path.of(System.getProperty("jibril.compat",
            Path.of("").toAbsolutePath().getParent().getParent().resolve("shared/compat/jibril-recipes").toString()));

    @Test
    void everyCompatFileLoadsUnchanged() throws Exception {
        if (!Files.isDirectory(CORPUS)) {
            // The corpus lives outside the repository (see ../shared/compat/README.md); say loudly that it was not
            // checked rather than pretend.
            System.err.println("WARNING: compatibility corpus not found at " + CORPUS + ": not checked");
            return;
        }
        List<String> errors = new ArrayList<>();
        int recipes = 0;
        List<Path> files = Engine.recipeFiles(CORPUS);
        for (Path f : files) {
            RecipeParser.Parsed p = RecipeParser.parse(f.toString(), Files.readString(f));
            p.errors().forEach(e -> errors.add(e.toString()));
            for (RecipeDef d : p.recipes()) {
                String e = Recipes.error(Files.readString(f));
                if (e != null) {
                    errors.add(e);
                }
                recipes++;
                break;
            }
            recipes += Math.max(0, p.recipes().size() - 1);
        }
        System.out.printf("[compat] %d files, %d recipes from %s%n", files.size(), recipes, CORPUS);
        assertEquals(List.of(), errors);
        assertTrue(files.size() >= 40, "the corpus has its 44 files: " + files.size());
    }

    @Test
    void theBuiltInLibraryLoads() throws Exception {
        Path dir = Path.of("src/main/resources/jibril/detect/builtin");
        List<String> errors = new ArrayList<>();
        List<Path> files = Engine.recipeFiles(dir);
        for (Path f : files) {
            String e = Recipes.error(Files.readString(f));
            if (e != null) {
                errors.add(f.getFileName() + ": " + e);
            }
        }
        assertEquals(List.of(), errors);
    }
}
