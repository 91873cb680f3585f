package jibril.detect.internal;

import java.util.List;
import java.util.Map;

import jibril.core.api.FileRecord;
import jibril.core.api.FlowRecord;
import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType;

/** Test helpers: compile recipe YAML with the engine's built-in types, and make records. */
final class Recipes {

    private Recipes() {
    }

    static final Map<String, RecipeType> TYPES = Map.of("file_access", new FileAccessType(), "remote_domains",
            new RemoteDomainsType(), "remote_cidrs", new RemoteCidrsType(), "env_vars", new EnvVarsType(),
            "algorithmic_domains", new AlgorithmicDomainsType());

    /** Parses and compiles; throws AssertionError with every error. */
    static List<Recipe> compile(String yaml) {
        RecipeParser.Parsed p = RecipeParser.parse("test.yaml", yaml);
        if (!p.errors().isEmpty()) {
            throw new AssertionError(p.errors().toString());
        }
        return p.recipes().stream().map(d -> {
            try {
                return Engine.compileForTest(d, TYPES.get(d.breed()));
            } catch (RecipeType.RecipeException e) {
                throw new AssertionError(d.error(e.field(), e.getMessage()).toString());
            }
        }).toList();
    }

    /** The first error of parsing and compiling, as text, or null. */
    static String error(String yaml) {
        RecipeParser.Parsed p = RecipeParser.parse("test.yaml", yaml);
        if (!p.errors().isEmpty()) {
            return p.errors().get(0).toString();
        }
        for (RecipeDef d : p.recipes()) {
            RecipeType t = TYPES.get(d.breed());
            if (t == null) {
                return "no type " + d.breed();
            }
            try {
                Engine.compileForTest(d, t);
            } catch (RecipeType.RecipeException e) {
                return d.error(e.field(), e.getMessage()).toString();
            }
        }
        return null;
    }

    static ProcessRecord process(long pid, String exe, String... argv) {
        return new ProcessRecord(pid * 1000, 1000, pid, 1, 0, 0, exe.substring(exe.lastIndexOf('/') + 1), exe,
                List.of(argv), 1, 1, 0, 0, pid, ProcessRecord.Place.UNKNOWN);
    }

    static FileRecord file(ProcessRecord p, String path, String... actions) {
        return new FileRecord(p, path, List.of(actions), Map.of(), "file", 0644, 0, 0, "ext4", 1, 1);
    }

    static FlowRecord flow(ProcessRecord p, String remote, int port, List<String> names) {
        return new FlowRecord(p, "tcp", remote.contains(":") ? 6 : 4, "127.0.0.1", 40000, remote, port, names, "local",
                "", "", List.of("connect"), 0, 60, 0, 1, 1, 1);
    }

    static Subject subject(ProcessRecord p, List<ProcessRecord> ancestry, FileRecord f, FlowRecord fl) {
        return new Subject(p, ancestry, f, fl);
    }
}
