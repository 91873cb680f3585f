package jibril.reactions.internal;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import jibril.core.api.Event;

/** The event as printers write it (lower_case_with_underscores keys, nulls left out): what reactions receive. */
final class EventJson {

    private static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .disableHtmlEscaping()
            .create();

    private EventJson() {
    }

    static String of(Event event) {
        return GSON.toJson(event);
    }

    static String of(Object any) {
        return GSON.toJson(any);
    }
}
