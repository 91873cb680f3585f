package jibril.detect.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import jibril.core.api.FlowRecord;
import jibril.core.api.RecipeType;

/**
 * The {@code remote_domains} breed: a process had a flow with a peer whose address was resolved from a listed
 * name (the name asked for or any name of its CNAME chain), matched exactly, as a suffix (the name or any
 * sub-domain of it) or as a prefix. Names come from the recipe and from list files: the bundle's curated
 * {@code lists/} and the recipes directory (a file there overrides a built-in list of the same name).
 */
@Component(property = RecipeType.BREED + "=remote_domains")
public class RemoteDomainsType implements RecipeType {

    /** Set by the engine: the directory of the recipe's file, where its lists may be. */
    static final String DIR = "jibril.dir";

    @Override
    public Set<String> fields() {
        Set<String> f = new HashSet<>(FlowMatch.FIELDS);
        f.addAll(Set.of("remote_domains", "remote_domains_type", "remote_domains_lists"));
        return f;
    }

    @Override
    public Matcher compile(Map<String, Object> recipe) throws RecipeException {
        FlowMatch flows = FlowMatch.compile(recipe);
        String type = Fields.oneOf(recipe, "remote_domains_type", "exact", "exact", "suffix", "prefix");
        Set<String> names = new LinkedHashSet<>();
        for (String d : Fields.texts(recipe, "remote_domains")) {
            names.add(normal(d));
        }
        List<String> lists = Fields.texts(recipe, "remote_domains_lists");
        Object dir = recipe.get(DIR);
        for (int i = 0; i < lists.size(); i++) {
            names.addAll(load("remote_domains_lists[" + i + "]", lists.get(i), dir == null ? null : Path.of(dir.toString())));
        }
        names.remove("");
        if (names.isEmpty()) {
            throw new RecipeException("remote_domains", "missing: which names (remote_domains or remote_domains_lists)");
        }
        Set<String> set = Set.copyOf(names);
        List<String> prefixes = List.copyOf(names);
        return new Matcher() {
            @Override
            public Interest interest() {
                return Interest.FLOWS;
            }

            @Override
            public Match flow(FlowRecord f, List<String> newActions) {
                if (f.remoteNames().isEmpty() || !flows.matches(f)) {
                    return null;
                }
                for (String n : f.remoteNames()) {
                    String name = normal(n);
                    String hit = switch (type) {
                        case "suffix" -> suffix(set, name);
                        case "prefix" -> prefixes.stream().filter(name::startsWith).findFirst().orElse(null);
                        default -> set.contains(name) ? name : null;
                    };
                    if (hit != null) {
                        return new Match(name.equals(hit) ? name : name + " (" + type + " " + hit + ")");
                    }
                }
                return null;
            }
        };
    }

    /** The listed name that is the name or one of its parent domains, or null. */
    static String suffix(Set<String> set, String name) {
        String n = name;
        while (true) {
            if (set.contains(n)) {
                return n;
            }
            int dot = n.indexOf('.');
            if (dot < 0) {
                return null;
            }
            n = n.substring(dot + 1);
        }
    }

    static String normal(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.startsWith("*.")) {
            n = n.substring(2);
        }
        while (n.startsWith(".")) {
            n = n.substring(1);
        }
        while (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }

    /** Reads one list: one name a line, '#' comments. */
    static Set<String> load(String field, String list, Path dir) throws RecipeException {
        if (!list.matches("[A-Za-z0-9_.-]+") || list.startsWith(".")) {
            throw new RecipeException(field, "'" + list + "' is not a list file name (letters, digits, . _ -)");
        }
        String text;
        try {
            Path own = dir == null ? null : dir.resolve(list);
            if (own != null && Files.isRegularFile(own)) {
                text = Files.readString(own, StandardCharsets.UTF_8);
            } else {
                try (InputStream in = RemoteDomainsType.class.getResourceAsStream("/jibril/detect/lists/" + list)) {
                    if (in == null) {
                        throw new RecipeException(field, "no list '" + list + "' (neither built in nor in "
                                + (dir == null ? "the recipes directory" : dir) + ")");
                    }
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        } catch (IOException e) {
            throw new RecipeException(field, "cannot read list '" + list + "': " + e.getMessage());
        }
        Set<String> out = new LinkedHashSet<>();
        for (String line : text.split("\n")) {
            int hash = line.indexOf('#');
            String n = normal(hash >= 0 ? line.substring(0, hash) : line);
            if (!n.isEmpty()) {
                out.add(n);
            }
        }
        return out;
    }
}
