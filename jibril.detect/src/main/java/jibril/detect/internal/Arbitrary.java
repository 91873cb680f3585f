package jibril.detect.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType.RecipeException;

/**
 * The {@code arbitrary} filters of a recipe: groups that must all hold; a group combines its items with AND or OR
 * and is required true ({@code pertinent}) or false ({@code irrelevant}); an item is true when its value matches
 * ({@code pertinent}) or does not ({@code irrelevant}). Values that are lists (ancestry) match when any element does.
 */
final class Arbitrary {

    /** One compiled item: which value, and the test on one value. */
    private record Item(Function<Subject, List<String>> value, java.util.function.Predicate<String> test,
            boolean pertinent) {
        boolean holds(Subject s) {
            boolean matched = false;
            for (String v : value.apply(s)) {
                if (v != null && test.test(v)) {
                    matched = true;
                    break;
                }
            }
            return matched == pertinent;
        }
    }

    private record Group(boolean and, boolean pertinent, List<Item> items) {
        boolean holds(Subject s) {
            if (items.isEmpty()) {
                return true;
            }
            boolean v = and;
            for (Item i : items) {
                boolean h = i.holds(s);
                if (and && !h) {
                    v = false;
                    break;
                }
                if (!and && h) {
                    v = true;
                    break;
                }
            }
            return v == pertinent;
        }
    }

    static final Set<String> GROUP_FIELDS = Set.of("how", "which", "items");
    static final Set<String> ITEM_FIELDS = Set.of("what", "which", "pattern", "number", "numbers", "cidr", "when");

    private final List<Group> groups;

    private Arbitrary(List<Group> groups) {
        this.groups = groups;
    }

    static final Arbitrary NONE = new Arbitrary(List.of());

    boolean holds(Subject s) {
        for (Group g : groups) {
            if (!g.holds(s)) {
                return false;
            }
        }
        return true;
    }

    static Arbitrary compile(Map<String, Object> recipe) throws RecipeException {
        List<Map<String, Object>> gs = Fields.maps(recipe, "arbitrary");
        List<Group> groups = new ArrayList<>();
        for (int g = 0; g < gs.size(); g++) {
            String at = "arbitrary[" + g + "].";
            Map<String, Object> gm = gs.get(g);
            Fields.only(gm, at, GROUP_FIELDS);
            boolean and = Fields.oneOf(gm, "how", "AND", "AND", "OR").equals("AND");
            boolean pertinent = Fields.oneOf(gm, "which", "pertinent", "pertinent", "irrelevant").equals("pertinent");
            List<Item> items = new ArrayList<>();
            List<Map<String, Object>> is = prefixed(at, () -> Fields.maps(gm, "items"));
            for (int i = 0; i < is.size(); i++) {
                items.add(item(at + "items[" + i + "].", is.get(i)));
            }
            groups.add(new Group(and, pertinent, items));
        }
        return groups.isEmpty() ? NONE : new Arbitrary(groups);
    }

    private interface Read<T> {
        T get() throws RecipeException;
    }

    private static <T> T prefixed(String at, Read<T> r) throws RecipeException {
        try {
            return r.get();
        } catch (RecipeException e) {
            throw new RecipeException(at + e.field(), e.getMessage());
        }
    }

    private static Item item(String at, Map<String, Object> m) throws RecipeException {
        prefixed(at, () -> {
            Fields.only(m, "", ITEM_FIELDS);
            return null;
        });
        String what = prefixed(at, () -> Fields.text(m, "what"));
        if (what == null) {
            throw new RecipeException(at + "what", "missing: which value to test (e.g. exe, cmd, args, parent_exe)");
        }
        Function<Subject, List<String>> value = value(what);
        if (value == null) {
            throw new RecipeException(at + "what", "unknown value '" + what + "' (see docs/RECIPES.md)");
        }
        boolean pertinent = prefixed(at, () -> Fields.oneOf(m, "which", "pertinent", "pertinent", "irrelevant"))
                .equals("pertinent");
        String pattern = prefixed(at, () -> Fields.text(m, "pattern"));
        List<String> numbers = new ArrayList<>(prefixed(at, () -> Fields.texts(m, "numbers")));
        String number = prefixed(at, () -> Fields.text(m, "number"));
        if (number != null) {
            numbers.add(number);
        }
        String cidr = prefixed(at, () -> Fields.text(m, "cidr"));
        int tests = (pattern != null ? 1 : 0) + (numbers.isEmpty() ? 0 : 1) + (cidr != null ? 1 : 0);
        if (tests != 1) {
            throw new RecipeException(at + "pattern", "an item needs exactly one of pattern, number(s) or cidr");
        }
        java.util.function.Predicate<String> test;
        if (pattern != null) {
            Pattern p = Fields.regex(at + "pattern", pattern);
            test = v -> p.matcher(v).find();
        } else if (cidr != null) {
            Cidr c = Fields.cidr(at + "cidr", cidr);
            test = c::contains;
        } else {
            String when = prefixed(at, () -> Fields.oneOf(m, "when", "eq", "eq", "ne", "lt", "le", "gt", "ge"));
            List<Double> ns = new ArrayList<>();
            for (String n : numbers) {
                try {
                    ns.add(Double.parseDouble(n.strip()));
                } catch (NumberFormatException e) {
                    throw new RecipeException(at + "number", "'" + n + "' is not a number");
                }
            }
            test = v -> {
                double x;
                try {
                    x = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    return false;
                }
                for (double n : ns) {
                    boolean ok = switch (when) {
                        case "ne" -> x != n;
                        case "lt" -> x < n;
                        case "le" -> x <= n;
                        case "gt" -> x > n;
                        case "ge" -> x >= n;
                        default -> x == n;
                    };
                    if (ok) {
                        return true;
                    }
                }
                return false;
            };
        }
        return new Item(value, test, pertinent);
    }

    /** The value an item names, or null when it names none. */
    static Function<Subject, List<String>> value(String what) {
        String w = what.strip().toLowerCase(java.util.Locale.ROOT);
        if (w.startsWith("parent_")) {
            Function<ProcessRecord, String> f = of(w.substring("parent_".length()));
            return f == null ? null : s -> s.parent() == null ? List.of() : one(f.apply(s.parent()));
        }
        if (w.startsWith("ancient_")) {
            Function<ProcessRecord, String> f = of(w.substring("ancient_".length()));
            return f == null ? null : s -> s.ancestry().stream().map(f).toList();
        }
        if (w.startsWith("task_or_parent_")) {
            Function<ProcessRecord, String> f = of(w.substring("task_or_parent_".length()));
            return f == null ? null : s -> s.parent() == null ? one(f.apply(s.process()))
                    : List.of(f.apply(s.process()), f.apply(s.parent()));
        }
        Function<ProcessRecord, String> f = of(w);
        if (f != null) {
            return s -> one(f.apply(s.process()));
        }
        return switch (w) {
            case "file", "path" -> s -> one(s.path());
            case "dir" -> s -> one(dir(s.path()));
            case "base", "basename" -> s -> one(base(s.path()));
            case "remote_address" -> s -> s.flow() == null ? List.of() : one(s.flow().remoteAddress());
            case "local_address" -> s -> s.flow() == null ? List.of() : one(s.flow().localAddress());
            case "remote_port" -> s -> s.flow() == null ? List.of() : one(Integer.toString(s.flow().remotePort()));
            case "local_port" -> s -> s.flow() == null ? List.of() : one(Integer.toString(s.flow().localPort()));
            case "proto", "protocol" -> s -> s.flow() == null ? List.of() : one(s.flow().proto());
            case "remote_name", "remote_names", "domain" -> s -> s.flow() == null ? List.of() : s.flow().remoteNames();
            default -> null;
        };
    }

    private static Function<ProcessRecord, String> of(String w) {
        return switch (w) {
            case "exe" -> ProcessRecord::exe;
            case "cmd" -> ProcessRecord::cmd;
            case "args" -> ProcessRecord::args;
            case "comm" -> ProcessRecord::comm;
            case "pid", "proc" -> p -> Long.toString(p.pid());
            case "ppid" -> p -> Long.toString(p.ppid());
            case "uid" -> p -> Long.toString(p.uid());
            case "gid" -> p -> Long.toString(p.gid());
            case "user" -> p -> p.place().user();
            case "group" -> p -> p.place().group();
            case "cgroup" -> p -> p.place().cgroup();
            case "container_id", "container" -> p -> p.place().containerId();
            case "hostname" -> p -> p.place().hostname();
            case "previous_exe", "loader" -> p -> p.place().previousExe();
            default -> null;
        };
    }

    private static List<String> one(String v) {
        return v == null ? List.of() : List.of(v);
    }

    static String dir(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? (i == 0 ? "/" : "") : path.substring(0, i);
    }

    static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
