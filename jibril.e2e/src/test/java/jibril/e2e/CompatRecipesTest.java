package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The original product's public recipe files ({@code ../shared/compat/jibril-recipes}, outside this repository):
 * one daemon loads every file unchanged (built-ins off), with every recipe enabled by the config's event list, and
 * for each recipe a trigger ({@code src/test/resources/compat-triggers/<recipe>.sh} or {@code .net}) performs the
 * behaviour for real; the daemon must print that recipe's detection for the trigger's processes (or, for network
 * triggers, after the trigger started).
 */
class CompatRecipesTest {

    static final Path TRIGGERS = JibrilProcess.ROOT.resolve("jibril.e2e/src/test/resources/compat-triggers");
    static final Path CORPUS = JibrilProcess.ROOT.getParent().resolve("shared/compat/jibril-recipes");

    /** A recipe's name line: SnakeYAML is not on this module's test classpath, and the corpus writes "  name: x". */
    private static final Pattern NAME = Pattern.compile("^(?:- |  )name:\\s*['\"]?([^'\"#\\s]+)['\"]?\\s*(?:#.*)?$");

    @Test
    void everyCompatRecipeLoadsUnchangedAndFiresOnItsTrigger() throws Exception {
        if (!Files.isDirectory(CORPUS)) {
            System.out.println("WARNING: *** the compat recipe corpus " + CORPUS + " does not exist: "
                    + "CompatRecipesTest checked NOTHING ***");
            return;
        }
        Map<String, Path> recipes = recipeNames(CORPUS);
        assertTrue(recipes.size() > 0, "no recipe names found under " + CORPUS);
        System.out.printf("[compat] corpus %s: %d files, %d recipes%n", CORPUS,
                recipes.values().stream().distinct().count(), recipes.size());

        List<Path> triggers;
        try (Stream<Path> s = Files.list(TRIGGERS)) {
            triggers = s.filter(p -> p.toString().endsWith(".sh") || p.toString().endsWith(".net")).sorted().toList();
        }
        Map<String, Path> triggerOf = new TreeMap<>();
        List<String> badTriggers = new ArrayList<>();
        for (Path t : triggers) {
            String expects = DetectionsTest.header(t, "expects");
            if (expects == null || !recipes.containsKey(expects)) {
                badTriggers.add(t.getFileName() + " expects '" + expects + "', not a recipe of the corpus");
            } else if (triggerOf.put(expects, t) != null) {
                badTriggers.add(t.getFileName() + ": a second trigger for " + expects);
            }
        }
        Set<String> untriggered = new TreeSet<>(recipes.keySet());
        untriggered.removeAll(triggerOf.keySet());
        assertEquals(List.of(), badTriggers, "triggers that name no recipe of the corpus");
        assertEquals(Set.of(), untriggered, "recipes of the corpus without a trigger in " + TRIGGERS);

        try (JibrilProcess jibril = new JibrilProcess()) {
            Files.writeString(jibril.config, """
                    run-time:
                      log-level: info
                      health-port: %d
                    cadences:
                      file-access: 1
                      network-flows: 1
                    config:
                      plugin: [jibril:hold, jibril:procfs, jibril:printers, jibril:detect, "jibril:alchemies:builtin=false:path=%s"]
                      printer: [jibril:printers:stdout]
                      event: [%s]
                    """.formatted(jibril.healthPort, CORPUS, recipes.keySet().stream()
                    .map(n -> "jibril:detect:" + n).collect(Collectors.joining(", "))));
            jibril.start();
            assertTrue(jibril.awaitReady(90_000), "not ready:\n" + jibril.log());
            // the engine loads the recipes directory on its own thread after activation
            boolean allActive = JibrilProcess.waitFor(60_000,
                    () -> notActive(recipesOutput(jibril), recipes.keySet()).isEmpty());
            String listing = recipesOutput(jibril);
            assertTrue(allActive, "recipes not active: " + notActive(listing, recipes.keySet()) + "\n" + listing);
            assertTrue(listing.contains("0 errored; 0 file(s) refused"), "the corpus did not load cleanly:\n" + listing);

            Map<String, String> failures = new TreeMap<>();
            Map<String, List<String>> others = new TreeMap<>();
            for (Map.Entry<String, Path> e : triggerOf.entrySet()) {
                String expects = e.getKey();
                Path t = e.getValue();
                String error;
                List<JsonObject> mine = List.of();
                if (t.toString().endsWith(".sh")) {
                    long start = System.nanoTime();
                    error = DetectionsTest.runShell(t);
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    if (error == null && millis > 5_000) {
                        error = "the trigger took " + millis + " ms (at most 5 s)";
                    }
                    if (error == null) {
                        String marker = t.toString();
                        boolean seen = JibrilProcess.waitFor(15_000, () -> detectionsUnder(jibril, marker).stream()
                                .anyMatch(d -> DetectionsTest.name(d).equals(expects)));
                        mine = detectionsUnder(jibril, marker);
                        if (!seen) {
                            error = "no '" + expects + "' detection; its processes raised "
                                    + mine.stream().map(DetectionsTest::name).distinct().toList();
                        }
                    }
                } else {
                    // network triggers run in this JVM: the detection must be about a flow to a peer the trigger
                    // connected to, printed after the trigger started
                    Set<String> peers = connectAddresses(t);
                    int before = jibril.events().size();
                    error = DetectionsTest.runNet(t);
                    if (error == null) {
                        boolean seen = JibrilProcess.waitFor(15_000, () -> newSince(jibril, before).stream()
                                .anyMatch(d -> DetectionsTest.name(d).equals(expects) && peers.contains(remote(d))));
                        mine = newSince(jibril, before).stream().filter(d -> peers.contains(remote(d))).toList();
                        if (!seen) {
                            error = "no '" + expects + "' detection about " + peers + "; flows to it raised "
                                    + mine.stream().map(DetectionsTest::name).distinct().toList();
                        }
                    }
                }
                if (error != null) {
                    failures.put(expects, t.getFileName() + ": " + error + "\n" + why(jibril, expects));
                }
                List<String> extra = mine.stream().map(DetectionsTest::name).filter(n -> !n.equals(expects))
                        .distinct().toList();
                if (!extra.isEmpty()) {
                    others.put(expects, extra);
                }
            }
            System.out.printf("[compat] %d triggers, %d failed%n", triggerOf.size(), failures.size());
            System.out.println("[compat] other recipes that also fired on a trigger: " + others);
            failures.forEach((k, v) -> System.out.println("[compat] FAILED " + k + ": " + v));
            assertEquals(Map.of(), failures, "\n" + recipesOutput(jibril) + "\n" + status(jibril));
            assertEquals(0, jibril.stop());
        }
    }

    /** Every recipe name of the corpus, with the file it comes from. */
    static Map<String, Path> recipeNames(Path corpus) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(corpus)) {
            files = s.filter(p -> Files.isRegularFile(p)
                    && (p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))).sorted().toList();
        }
        Map<String, Path> names = new TreeMap<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                Matcher m = NAME.matcher(line);
                if (m.matches()) {
                    Path before = names.put(m.group(1), f);
                    assertTrue(before == null, "recipe " + m.group(1) + " in both " + before + " and " + f);
                }
            }
        }
        return names;
    }

    /** The addresses a network trigger connects to. */
    static Set<String> connectAddresses(Path t) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(t)) {
            String[] w = line.strip().split("\\s+");
            if (w.length == 3 && w[0].equals("connect")) {
                out.add(w[1]);
            }
        }
        return out;
    }

    /** The remote address of a detection's flow, or "" when it is not about a flow. */
    static String remote(JsonObject e) {
        JsonElement flow = e.get("flow");
        JsonElement r = flow == null || !flow.isJsonObject() ? null : flow.getAsJsonObject().get("remote");
        JsonElement a = r == null || !r.isJsonObject() ? null : r.getAsJsonObject().get("address");
        return a == null || !a.isJsonPrimitive() ? "" : a.getAsString();
    }

    /** The names whose line in the jibril:recipes listing does not say active. */
    static Set<String> notActive(String listing, Set<String> names) {
        Set<String> missing = new TreeSet<>(names);
        for (String line : listing.split("\n")) {
            String[] w = line.strip().split("\\s+");
            if (w.length >= 2 && w[1].equals("active")) {
                missing.remove(w[0]);
            }
        }
        return missing;
    }

    private static String recipesOutput(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:recipes").output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String why(JibrilProcess jibril, String name) {
        try {
            return jibril.shell("jibril:why " + name).output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String status(JibrilProcess jibril) {
        try {
            return jibril.shell("jibril:status").output();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Detections printed so far whose process, or one of its ancestors, ran a command containing marker. */
    static List<JsonObject> detectionsUnder(JibrilProcess jibril, String marker) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonObject e : parsed(jibril, 0)) {
            JsonObject p = e.getAsJsonObject("process");
            if (p == null || p.get("cmd") == null) {
                continue;
            }
            boolean mine = p.get("cmd").getAsString().contains(marker);
            JsonObject bg = e.getAsJsonObject("background");
            if (!mine && bg != null && bg.get("ancestry") != null && bg.get("ancestry").isJsonArray()) {
                for (JsonElement a : bg.getAsJsonArray("ancestry")) {
                    JsonElement cmd = a.getAsJsonObject().get("cmd");
                    if (cmd != null && cmd.getAsString().contains(marker)) {
                        mine = true;
                        break;
                    }
                }
            }
            if (mine) {
                out.add(e);
            }
        }
        return out;
    }

    /** Detections printed after the first {@code before} lines. */
    static List<JsonObject> newSince(JibrilProcess jibril, int before) {
        return parsed(jibril, before);
    }

    private static List<JsonObject> parsed(JibrilProcess jibril, int from) {
        List<String> lines;
        try {
            lines = jibril.events();
        } catch (IOException e) {
            return List.of();
        }
        List<JsonObject> out = new ArrayList<>();
        for (String l : lines.subList(Math.min(from, lines.size()), lines.size())) {
            try {
                JsonObject e = JsonParser.parseString(l).getAsJsonObject();
                if (e.getAsJsonObject("metadata") != null) {
                    out.add(e);
                }
            } catch (RuntimeException ex) {
                // a line being written, or not a detection
            }
        }
        return out;
    }
}
