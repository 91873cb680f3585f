package jibril.detect.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Broken recipes get an error naming the file, line, column, recipe, field and reason. */
class RecipeParserTest {

    private static final String GOOD = """
            - kind: k
              name: good
              breed: file_access
              importance: high
              file_actions: [open]
              bases:
                - base: shadow
            """;

    @Test
    void aValidRecipeHasNoError() {
        assertNull(Recipes.error(GOOD));
        RecipeDef d = RecipeParser.parse("f", GOOD).recipes().get(0);
        assertEquals("good", d.name());
        assertEquals("high", d.importance());
        assertTrue(d.enabled());
    }

    @Test
    void brokenYamlNamesTheLine() {
        String e = Recipes.error("- name: x\n  breed: [file_access\n");
        assertTrue(e.startsWith("test.yaml:3:"), e);
        assertTrue(e.contains("not valid YAML"), e);
    }

    @Test
    void wrongTypes() {
        assertEquals("test.yaml:2:3: recipe x: enabled: must be true or false, not 'maybe'",
                Recipes.error("- name: x\n  enabled: maybe\n  breed: file_access\n"));
        assertEquals("test.yaml:3:3: recipe x: file_actions: must be a list of texts, not a mapping",
                Recipes.error("- name: x\n  breed: file_access\n  file_actions: {a: 1}\n  bases: [{base: b}]\n"));
        assertEquals("test.yaml:5:7: recipe x: times[0].max: must be a whole number of at least 1",
                Recipes.error("- name: x\n  breed: file_access\n  times:\n    - kind: times_per_proc\n      max: many\n"
                        + "  file_actions: open\n  bases: [{base: b}]\n"));
    }

    @Test
    void unknownFieldsAndValues() {
        assertEquals("test.yaml:3:3: recipe x: bogus: unknown field (known: arbitrary, bases, breed, description, "
                + "documentation, enabled, file_actions, file_actions_how, importance, kind, mechanism, name, "
                + "reactions, subtechnique, tactic, technique, times, version)",
                Recipes.error("- name: x\n  breed: file_access\n  bogus: 1\n  file_actions: open\n  bases: [{base: b}]\n"));
        String e = Recipes.error("- name: x\n  breed: file_access\n  file_actions: [open, opne]\n  bases: [{base: b}]\n");
        assertTrue(e.startsWith("test.yaml:3:3: recipe x: file_actions: unknown file action 'opne'"), e);
        e = Recipes.error("- name: x\n  importance: urgent\n  breed: file_access\n");
        assertTrue(e.startsWith("test.yaml:2:3: recipe x: importance: 'urgent' is not one of"), e);
    }

    @Test
    void badRegexAndCidrPointAtTheValue() {
        String e = Recipes.error("- name: x\n  breed: file_access\n  file_actions: open\n  bases:\n    - regex: 'a(b'\n");
        assertTrue(e.startsWith("test.yaml:5:7: recipe x: bases[0].regex: not a valid regular expression"), e);
        e = Recipes.error("- name: x\n  breed: remote_cidrs\n  remote_cidrs: [10.0.0.0/8, 10.0.0.300/8]\n");
        assertTrue(e.startsWith("test.yaml:3:30: recipe x: remote_cidrs[1]: '10.0.0.300/8' is not an IPv4 or IPv6"),
                e);
        e = Recipes.error("- name: x\n  breed: remote_cidrs\n  remote_cidrs: [192.168.0.0/33]\n");
        assertTrue(e.contains("prefix length must be 0-32"), e);
    }

    @Test
    void missingRequiredFields() {
        assertTrue(Recipes.error("- breed: file_access\n").contains("name: missing"));
        assertTrue(Recipes.error("- name: x\n").contains("breed: missing"));
        assertNull(Recipes.error("- name: x\n  breed: file_access\n  bases: [{base: b}]\n"), "no actions: any");
        assertTrue(Recipes.error("- name: x\n  breed: file_access\n  file_actions: open\n").contains("bases: missing"));
        assertTrue(Recipes.error("- name: x\n  breed: remote_domains\n").contains("remote_domains: missing"));
    }

    @Test
    void reactionsAreValidated() {
        String e = Recipes.error(GOOD + "  reactions:\n    - format: js\n      code: 'Info(1)'\n");
        assertTrue(e.contains("reactions[0].code: a js reaction must define function process(data)"), e);
        e = Recipes.error(GOOD + "  reactions:\n    - format: python\n      code: x\n");
        assertTrue(e.contains("reactions[0].format: must be js or shell"), e);
        assertNull(Recipes.error(GOOD + "  reactions:\n    - format: shell\n      code: echo hi\n"));
    }

    @Test
    void formatsOfRegisteredRunnersAreAccepted() {
        String text = GOOD + "  reactions:\n    - format: python\n      code: print(1)\n";
        assertTrue(RecipeParser.parse("t.yaml", text).errors().get(0).toString()
                .contains("reactions[0].format: must be js or shell (or a format that a reaction runner adds)"));
        RecipeParser.Parsed p = RecipeParser.parse("t.yaml", text, "python"::equals);
        assertEquals(List.of(), p.errors());
        assertEquals("python", p.recipes().get(0).reactions().get(0).format());
    }

    @Test
    void notAListAndDuplicatesAndHugeFiles() {
        assertTrue(Recipes.error("name: x\n").contains("a recipe file is a YAML list"));
        assertTrue(Recipes.error(GOOD + GOOD).contains("'good' is defined twice"));
        String huge = "#".repeat(RecipeParser.MAX_FILE_CHARS + 1);
        assertTrue(Recipes.error(huge).contains("file too large"));
        assertNull(Recipes.error(""));
        assertNotNull(Recipes.error("- name: x\n  name: y\n  breed: file_access\n"));
    }
}
