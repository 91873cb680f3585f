package jibril.detect.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import jibril.core.api.Reaction;
import jibril.core.api.RecipeType;

/**
 * A recipe ready to match: its definition, the matcher its breed compiled, its filters and rate limits, and what
 * became of the observations it matched.
 */
final class Recipe {

    final RecipeDef def;
    final RecipeType.Matcher matcher;
    final Arbitrary arbitrary;
    final Times times;
    /** The recipe's reactions as detection listeners get them. */
    final List<Reaction> reactions;
    /** What the matcher can match (its {@link RecipeType.Interest}): the engine asks it about nothing else. */
    final boolean execs;
    final boolean flows;
    /** The file actions of its interest as a {@link FileActions} mask; -1 for any file observation. */
    final int fileMask;
    final AtomicLong matched = new AtomicLong();
    final AtomicLong filtered = new AtomicLong();
    final AtomicLong repeated = new AtomicLong();
    final AtomicLong limited = new AtomicLong();
    final AtomicLong fired = new AtomicLong();
    final AtomicLong failures = new AtomicLong();

    Recipe(RecipeDef def, RecipeType.Matcher matcher, Arbitrary arbitrary, Times times) {
        this.def = def;
        this.matcher = matcher;
        this.arbitrary = arbitrary;
        this.times = times;
        this.reactions = IntStream.range(0, def.reactions().size()).mapToObj(i -> new Reaction(def.name(), i,
                def.reactions().get(i).format(), def.reactions().get(i).code())).toList();
        RecipeType.Interest in = interest(matcher);
        this.execs = in.execs();
        this.flows = in.flows();
        this.fileMask = in.fileActions() == null ? -1 : FileActions.mask(in.fileActions());
    }

    /** The matcher's interest; every observation when it does not say (or its answer fails). */
    private static RecipeType.Interest interest(RecipeType.Matcher m) {
        try {
            RecipeType.Interest in = m.interest();
            return in == null ? RecipeType.Interest.ALL : in;
        } catch (RuntimeException e) {
            return RecipeType.Interest.ALL;
        }
    }

    /** For jibril:why: "execs, flows, file actions [open, read]", or "file observations of any action". */
    String describeInterest() {
        List<String> parts = new java.util.ArrayList<>();
        if (execs) {
            parts.add("execs");
        }
        if (flows) {
            parts.add("flows");
        }
        if (fileMask == -1) {
            parts.add("file observations of any action");
        } else if (fileMask != 0) {
            parts.add("file actions " + IntStream.range(0, FileActions.ALL.size()).filter(i -> (fileMask & 1 << i) != 0)
                    .mapToObj(FileActions.ALL::get).toList());
        }
        return parts.isEmpty() ? "nothing" : String.join(", ", parts);
    }

    /** Whether the matcher can match an execution: its exec() or its file() on the executed binary. */
    boolean wantsExec() {
        return execs || (fileMask & FileActions.EXECVE) != 0;
    }

    /** Whether the matcher can match a file observation with these new actions (a FileActions mask). */
    boolean wantsFile(int freshMask) {
        return fileMask == -1 || (fileMask & freshMask) != 0;
    }
}
