package jibril.detect.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import jibril.core.api.FlowRecord;
import jibril.core.api.RecipeType;

/**
 * The {@code algorithmic_domains} breed: a process had a flow with a peer reached through a name that looks
 * machine-generated (domain generation algorithms of malware), by the {@link DomainScore} model rather than a list.
 * {@code threshold} (0-100, default 75) is the score from which a name is reported.
 */
@Component(property = RecipeType.BREED + "=algorithmic_domains")
public class AlgorithmicDomainsType implements RecipeType {

    @Override
    public Set<String> fields() {
        Set<String> f = new java.util.HashSet<>(FlowMatch.FIELDS);
        f.add("threshold");
        return f;
    }

    @Override
    public Matcher compile(Map<String, Object> recipe) throws RecipeException {
        FlowMatch flows = FlowMatch.compile(recipe);
        Object t = recipe.get("threshold");
        int threshold = 75;
        if (t != null) {
            if (!(t instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 100) {
                throw new RecipeException("threshold", "must be a number from 0 to 100");
            }
            threshold = n.intValue();
        }
        int min = threshold;
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
                for (String name : f.remoteNames()) {
                    int score = DomainScore.score(name);
                    if (score >= min) {
                        return new Match(name + " scores " + score + " (threshold " + min + ")");
                    }
                }
                return null;
            }
        };
    }
}
