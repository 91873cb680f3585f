package jibril.core.api;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard SPI: a kind of detection recipe (a "breed"). The recipe engine (jibril.detect) ships
 * {@code file_access}, {@code remote_domains}, {@code remote_cidrs}, {@code env_vars} and
 * {@code algorithmic_domains}; any bundle, also one dropped into {@code deploy/}, may register another with the
 * service property {@link #BREED}, and recipes that name that breed load at once (and stop when it leaves).
 *
 * <p>The engine handles the fields every recipe has (name, importance, MITRE labels, {@code times},
 * {@code arbitrary} filters, reactions) and assembles, rate-limits and prints the detection; the type only
 * compiles its own fields and says whether an observation matches them.
 */
@ConsumerType
public interface RecipeType {

    /** Service property: the breed name recipes use in their {@code breed} field. */
    String BREED = "jibril.recipe.breed";

    /** The recipe fields this type reads, besides the common ones; any other field is an error. */
    Set<String> fields();

    /**
     * Compiles the type's part of one recipe.
     *
     * @param fields the recipe as parsed YAML: strings, numbers, booleans, lists and maps (absent fields are absent)
     * @return the matcher the engine calls for every observation
     * @throws RecipeException when a field is missing or wrong; its field name is reported with the file and line
     */
    Matcher compile(Map<String, Object> fields) throws RecipeException;

    /** Decides, for one compiled recipe, whether an observation matches. Called from one engine thread. */
    @ConsumerType
    interface Matcher {

        /** A process did new actions on a file (execution recipes see the executed binary with {@code execve}). */
        default Match file(FileRecord file, List<String> newActions) {
            return null;
        }

        /** A process did something new on a flow. */
        default Match flow(FlowRecord flow, List<String> newActions) {
            return null;
        }

        /** A process executed a program (its environment may be read from /proc while it runs). */
        default Match exec(ProcessRecord process) {
            return null;
        }

        /**
         * Which observations this matcher can match at all: the engine asks it about those only (every new file
         * pair, flow and exec is an observation, and most recipes care about one kind and a few actions). The
         * default is every observation, so a matcher that does not say is asked about everything, as before.
         */
        default Interest interest() {
            return Interest.ALL;
        }
    }

    /**
     * The observations a matcher can match.
     *
     * @param execs       whether {@link Matcher#exec} can match
     * @param flows       whether {@link Matcher#flow} can match
     * @param fileActions whether {@link Matcher#file} can match: only for new actions that include one of these (an
     *                    execution is a file observation with the new action {@code execve}); {@code null} for any
     *                    file observation, empty for none
     */
    record Interest(boolean execs, boolean flows, Set<String> fileActions) {
        /** Every observation. */
        public static final Interest ALL = new Interest(true, true, null);

        /** Executions ({@link Matcher#exec}) only. */
        public static final Interest EXECS = new Interest(true, false, Set.of());

        /** Flows only. */
        public static final Interest FLOWS = new Interest(false, true, Set.of());

        public Interest {
            fileActions = fileActions == null ? null : Set.copyOf(fileActions);
        }

        /** File observations whose new actions include one of these, nothing else. */
        public static Interest files(Set<String> actions) {
            return new Interest(false, false, actions);
        }
    }

    /**
     * A match, with an optional note for the event (e.g. which variable or which list matched).
     *
     * @param note free text, may be empty
     */
    record Match(String note) {
        /** A match without a note. */
        public static final Match YES = new Match("");
    }

    /** A recipe field is missing or wrong. */
    final class RecipeException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String field;

        /**
         * @param field  the field (dotted for nested ones, e.g. {@code bases[2].regex})
         * @param reason what is wrong, for a human
         */
        public RecipeException(String field, String reason) {
            super(reason);
            this.field = field;
        }

        /** The field that is wrong. */
        public String field() {
            return field;
        }
    }
}
