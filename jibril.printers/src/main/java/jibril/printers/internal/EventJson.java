package jibril.printers.internal;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import jibril.core.api.Event;

/** The JSON form of events: one object, one line, keys in lower_case_with_underscores, nulls left out. */
final class EventJson {

    private final Gson gson = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .disableHtmlEscaping()
            .create();

    String toJson(Event event) {
        return gson.toJson(event);
    }
}
