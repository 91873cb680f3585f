package jibril.detect.internal;

/**
 * Why a recipe (or a whole file) was refused: where, which field, and why, as {@code file:line:column: recipe
 * NAME: field: reason}.
 */
record RecipeError(String file, int line, int column, String recipe, String field, String reason) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": ");
        if (recipe != null && !recipe.isEmpty()) {
            sb.append("recipe ").append(recipe).append(": ");
        }
        if (field != null && !field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(reason).toString();
    }
}
