package jibril.detect.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType;

/**
 * The {@code env_vars} breed: a program was executed with one of the recipe's environment variables set (a
 * trailing {@code *} makes a name a prefix). The environment is read from {@code /proc/<pid>/environ} when the
 * exec is seen, so a process that exits within milliseconds of its exec may be missed (counted as unreadable).
 */
@Component(property = RecipeType.BREED + "=env_vars")
public class EnvVarsType implements RecipeType {

    /** At most this much of an environment is read. */
    static final int MAX_ENVIRON = 128 * 1024;

    @Override
    public Set<String> fields() {
        return Set.of("env_vars");
    }

    @Override
    public Matcher compile(Map<String, Object> recipe) throws RecipeException {
        List<String> names = Fields.texts(recipe, "env_vars");
        if (names.isEmpty()) {
            throw new RecipeException("env_vars", "missing: which variables (e.g. [LD_PRELOAD, LD_AUDIT])");
        }
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).matches("[A-Za-z_][A-Za-z0-9_]*\\*?")) {
                throw new RecipeException("env_vars[" + i + "]", "'" + names.get(i) + "' is not a variable name");
            }
        }
        return new Matcher() {
            @Override
            public Interest interest() {
                return Interest.EXECS;
            }

            @Override
            public Match exec(ProcessRecord p) {
                List<String> found = new ArrayList<>();
                for (String var : environ(p.pid())) {
                    int eq = var.indexOf('=');
                    String name = eq < 0 ? var : var.substring(0, eq);
                    for (String n : names) {
                        boolean hit = n.endsWith("*") ? name.startsWith(n.substring(0, n.length() - 1)) : name.equals(n);
                        if (hit) {
                            found.add(var.length() > 300 ? var.substring(0, 300) + "…" : var);
                            break;
                        }
                    }
                }
                return found.isEmpty() ? null : new Match(String.join(" ", found));
            }
        };
    }

    /** The environment of a running process, empty when it is gone or unreadable. */
    static List<String> environ(long pid) {
        Path file = Path.of("/proc", Long.toString(pid), "environ");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_ENVIRON);
        } catch (IOException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == 0) {
                if (i > start) {
                    out.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
