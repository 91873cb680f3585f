package jibril.detect.internal;

import java.util.List;
import java.util.Map;

/**
 * One recipe as read from YAML and checked for the fields every recipe has; the breed's own fields are checked
 * when its {@code RecipeType} compiles it.
 *
 * @param source    the file (or {@code builtin:<file>})
 * @param line      line of the recipe in the file (1-based)
 * @param fields    every field, as plain YAML values
 * @param marks     the line and column of every field and nested value, by path ({@code bases[2].regex})
 * @param reactions the reactions, validated
 */
record RecipeDef(String source, int line, String name, String kind, boolean enabled, String version,
        String description, String documentation, String breed, String mechanism, String tactic, String technique,
        String subtechnique, String importance, Map<String, Object> fields, Map<String, int[]> marks,
        List<Reaction> reactions) {

    /**
     * A reaction, run by the reactions bundle when the recipe fires.
     *
     * @param format js or shell
     * @param code   the code
     */
    record Reaction(String format, String code) {
    }

    /** The error for a field of this recipe, placed at the nearest known position of the field. */
    RecipeError error(String field, String reason) {
        String path = field;
        while (path != null && !path.isEmpty()) {
            int[] m = marks.get(path);
            if (m != null) {
                return new RecipeError(source, m[0], m[1], name, field, reason);
            }
            int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
            path = cut <= 0 ? null : path.substring(0, cut);
        }
        return new RecipeError(source, line, 1, name, field, reason);
    }
}
