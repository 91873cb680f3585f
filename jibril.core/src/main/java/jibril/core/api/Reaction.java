package jibril.core.api;

/**
 * One reaction of a recipe ({@code reactions: [{format, code}]}), as the detection engine validated it.
 *
 * @param recipe the recipe's name
 * @param index  the reaction's position in the recipe's list, from 0
 * @param format the language, e.g. {@code js} or {@code shell}, or one a {@link ReactionRunner} adds
 * @param code   the source
 */
public record Reaction(String recipe, int index, String format, String code) {
}
