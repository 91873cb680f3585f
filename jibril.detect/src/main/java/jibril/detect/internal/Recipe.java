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
    }
}
