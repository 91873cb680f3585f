package jibril.detect.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import jibril.core.api.FlowRecord;
import jibril.core.api.RecipeType;

/** The {@code remote_cidrs} breed: a process had a flow with a peer in the recipe's networks and ports. */
@Component(property = RecipeType.BREED + "=remote_cidrs")
public class RemoteCidrsType implements RecipeType {

    @Override
    public Set<String> fields() {
        return FlowMatch.FIELDS;
    }

    @Override
    public Matcher compile(Map<String, Object> recipe) throws RecipeException {
        FlowMatch m = FlowMatch.compile(recipe);
        if (!m.hasRemoteCidrs()) {
            throw new RecipeException("remote_cidrs", "missing: which networks (e.g. [10.0.0.0/8, 2001:db8::/32])");
        }
        return new Matcher() {
            @Override
            public Interest interest() {
                return Interest.FLOWS;
            }

            @Override
            public Match flow(FlowRecord f, List<String> newActions) {
                return m.matches(f) ? Match.YES : null;
            }
        };
    }
}
