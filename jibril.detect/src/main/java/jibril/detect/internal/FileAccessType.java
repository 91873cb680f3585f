package jibril.detect.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import jibril.core.api.FileRecord;
import jibril.core.api.RecipeType;

/**
 * The {@code file_access} breed: a process did (any, all, or none of) some actions on a file whose path the
 * recipe's {@code bases} match. Execution recipes are file_access recipes on the {@code execve} action.
 */
@Component(property = RecipeType.BREED + "=file_access")
public class FileAccessType implements RecipeType {

    @Override
    public Set<String> fields() {
        return Set.of("file_actions", "file_actions_how", "bases");
    }

    @Override
    public Matcher compile(Map<String, Object> recipe) throws RecipeException {
        Set<String> named;
        try {
            named = FileActions.expand(Fields.texts(recipe, "file_actions"));
        } catch (IllegalArgumentException e) {
            throw new RecipeException("file_actions", e.getMessage());
        }
        // as the original: no actions named means any action
        Set<String> actions = named.isEmpty() ? FileActions.expand(List.of("any")) : named;
        String how = Fields.oneOf(recipe, "file_actions_how", "any", "any", "all", "none");
        Bases bases = Bases.compile(recipe);
        if (bases.isEmpty()) {
            throw new RecipeException("bases", "missing: which files (base, dir or regex entries)");
        }
        int wanted = FileActions.mask(actions);
        return new Matcher() {
            @Override
            public Match file(FileRecord f, List<String> newActions) {
                int fresh = freshMask(newActions);
                boolean fits = switch (how) {
                    case "all" -> (allMask(f.actions()) & wanted) == wanted && (fresh & wanted) != 0;
                    case "none" -> (allMask(f.actions()) & wanted) == 0;
                    default -> (fresh & wanted) != 0;
                };
                if (!fits) {
                    return null;
                }
                Split sp = split(f.path());
                return bases.matches(sp.path(), sp.dir(), sp.base(), sp.top()) ? Match.YES : null;
            }

            @Override
            public Interest interest() {
                // "none" fits a pair whatever its new actions are; "any" and "all" need one of theirs among them
                return how.equals("none") ? new Interest(false, false, null) : Interest.files(actions);
            }
        };
    }

    /**
     * The last lists of actions turned into masks, the new actions and all of a pair's: the engine asks every file
     * recipe about the same two lists (one slot each, or recipes of the "all" kind would turn them over by turns).
     */
    private record Masked(List<String> names, int mask) {
    }

    private volatile Masked lastFresh = new Masked(List.of(), 0);
    private volatile Masked lastAll = new Masked(List.of(), 0);

    /** The last path split into directory, name and top directory: likewise asked of every file recipe in turn. */
    private record Split(String path, String dir, String base, String top) {
    }

    private volatile Split lastSplit = new Split("", "", "", null);

    private Split split(String path) {
        Split s = lastSplit;
        if (s.path() != path) {
            s = new Split(path, Arbitrary.dir(path), Arbitrary.base(path), Bases.top(path));
            lastSplit = s;
        }
        return s;
    }

    private int freshMask(List<String> names) {
        Masked m = lastFresh;
        if (m.names() != names) {
            m = new Masked(names, FileActions.mask(names));
            lastFresh = m;
        }
        return m.mask();
    }

    private int allMask(List<String> names) {
        Masked m = lastAll;
        if (m.names() != names) {
            m = new Masked(names, FileActions.mask(names));
            lastAll = m;
        }
        return m.mask();
    }
}
