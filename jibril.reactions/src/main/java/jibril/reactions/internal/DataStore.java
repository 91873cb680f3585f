package jibril.reactions.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The Data* helpers' store: per recipe, a key-value map and a stack of values, kept in
 * {@code <dir>/<recipe>.json} (0600, written to a temporary file and renamed, so a crash leaves the old or the new
 * version). Each recipe's store is locked while one reaction uses it: reactions of one recipe that run at once see
 * each other's writes.
 */
final class DataStore {

    /** Bounds that keep a runaway reaction from filling the disk or the heap. */
    static final int MAX_ENTRIES = 100_000;
    static final int MAX_VALUE = 1 << 20;

    /** One recipe's data. */
    static final class Bucket {
        final Map<String, String> map = new LinkedHashMap<>();
        final List<String> stack = new ArrayList<>();
        private final Path file;

        private Bucket(Path file) {
            this.file = file;
        }

        void save() throws IOException {
            JsonObject root = new JsonObject();
            JsonObject m = new JsonObject();
            map.forEach(m::addProperty);
            JsonArray s = new JsonArray();
            stack.forEach(s::add);
            root.add("map", m);
            root.add("stack", s);
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, new Gson().toJson(root), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private final Path dir;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    DataStore(Path dir) {
        this.dir = dir;
    }

    /** The recipe's bucket, loaded from disk on first use. */
    Bucket bucket(String recipe) {
        return buckets.computeIfAbsent(recipe, r -> load(dir.resolve(fileName(r))));
    }

    /** A recipe name as a file name: letters, digits, '_', '-', '.'; anything else becomes '_'. */
    static String fileName(String recipe) {
        String safe = recipe.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (safe.isEmpty() || safe.startsWith(".")) {
            safe = "_" + safe;
        }
        return safe + ".json";
    }

    private static Bucket load(Path file) {
        Bucket b = new Bucket(file);
        if (!Files.isRegularFile(file)) {
            return b;
        }
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (root.isJsonObject()) {
                JsonObject o = root.getAsJsonObject();
                if (o.has("map") && o.get("map").isJsonObject()) {
                    o.getAsJsonObject("map").entrySet().forEach(e -> b.map.put(e.getKey(), e.getValue().getAsString()));
                }
                if (o.has("stack") && o.get("stack").isJsonArray()) {
                    o.getAsJsonArray("stack").forEach(e -> b.stack.add(e.getAsString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // A damaged file starts empty; the old one is kept aside for a human to look at.
            try {
                Files.move(file, file.resolveSibling(file.getFileName() + ".damaged"),
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // nothing more to do: the next save replaces it
            }
        }
        return b;
    }
}
