package jibril.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * File facts end to end: real commands do real things to files (create, write, read, rename, link, truncate,
 * unlink, exec; one through a relative path), and bin/jibril query files finds each (process, file) pair with its
 * absolute path and the actions it did.
 */
class FileFactsTest {

    @Test
    void fileActionsOfRealCommandsAreRecordedWithAbsolutePaths() throws Exception {
        try (JibrilProcess jibril = new JibrilProcess().start()) {
            assertTrue(jibril.awaitReady(60_000), "not ready:\n" + jibril.log());
            Path dir = Files.createDirectories(jibril.dir.resolve("files"));
            Path tool = dir.resolve("tool");
            Files.copy(Path.of("/bin/true"), tool, StandardCopyOption.COPY_ATTRIBUTES);
            String script = String.join("\n",
                    "set -e",
                    "cd " + dir,
                    "echo hello > a.txt",                 // bash: open, create, write, close (relative path)
                    "cat a.txt > /dev/null",              // cat: open, read, close
                    "mv a.txt b.txt",                     // mv: rename on a.txt and b.txt
                    "ln b.txt c.txt",                     // ln: link on b.txt and c.txt
                    "truncate -s 0 b.txt",                // truncate
                    "rm c.txt",                           // rm: unlink
                    "./tool");                            // exec through a relative path
            Process p = new ProcessBuilder("/bin/bash", "-c", script).start();
            assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes()));

            String root = Pattern.quote(dir.toString());
            assertTrue(JibrilProcess.waitFor(30_000, () -> actions(jibril, root).getOrDefault(dir + "/c.txt", Set.of())
                    .contains("unlink")), "facts missing: " + actions(jibril, root));
            Map<String, Set<String>> a = actions(jibril, root);
            assertTrue(a.get(dir + "/a.txt").containsAll(Set.of("open", "create", "write", "close", "read", "rename")),
                    "a.txt: " + a.get(dir + "/a.txt"));
            assertTrue(a.get(dir + "/b.txt").containsAll(Set.of("rename", "link", "truncate")), "b.txt: " + a.get(dir + "/b.txt"));
            assertTrue(a.get(dir + "/c.txt").containsAll(Set.of("link", "unlink")), "c.txt: " + a.get(dir + "/c.txt"));
            assertTrue(a.get(tool.toString()).contains("execve"), "tool: " + a.get(tool.toString()));
            assertEquals(0, jibril.stop());
        }
    }

    /** Actions per path (over every process) of the files under a directory. */
    private static Map<String, Set<String>> actions(JibrilProcess jibril, String pathRegex) {
        Map<String, Set<String>> out = new HashMap<>();
        List<String> rows = jibril.query("files", "--path", "^" + pathRegex);
        for (String row : rows) {
            JsonObject o = JsonParser.parseString(row).getAsJsonObject();
            Set<String> acts = out.computeIfAbsent(o.get("path").getAsString(), k -> new HashSet<>());
            o.getAsJsonArray("actions").forEach(e -> acts.add(e.getAsString()));
        }
        return out;
    }
}
