package jibril.example.recipetype;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import jibril.core.api.ProcessRecord;
import jibril.core.api.RecipeType;

/**
 * A recipe type from outside Jibril: breed {@code command_words} fires when a program is executed with every one of
 * the recipe's {@code words} among its arguments (case-insensitive), e.g. {@code words: [--insecure, --no-verify]}.
 * Registering this service is all it takes; recipes of the breed load when it arrives and stop when it leaves.
 */
@Component(property = RecipeType.BREED + "=command_words")
public class CommandWordsType implements RecipeType {

    @Override
    public Set<String> fields() {
        return Set.of("words");
    }

    @Override
    public Matcher compile(Map<String, Object> recipe) throws RecipeException {
        if (!(recipe.get("words") instanceof List<?> words) || words.isEmpty()) {
            throw new RecipeException("words", "missing: the arguments that must all be present");
        }
        List<String> wanted = words.stream().map(w -> String.valueOf(w).toLowerCase(Locale.ROOT)).toList();
        return new Matcher() {
            @Override
            public Match exec(ProcessRecord p) {
                List<String> args = p.argv().stream().skip(1).map(a -> a.toLowerCase(Locale.ROOT)).toList();
                return args.containsAll(wanted) ? new Match("arguments " + wanted) : null;
            }

            @Override
            public Interest interest() {
                return Interest.EXECS; // never asked about files or flows
            }
        };
    }
}
