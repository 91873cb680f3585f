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

    /**
     * The event as reactions receive it: as printed, plus the original product's view of the flows that its
     * recipes read, {@code background.flows.protocols[].pairs[].nodes.{local,remote}} (from the event's flow and its
     * background flows, grouped by protocol).
     */
    static String forReaction(Event event) {
        com.google.gson.JsonObject root = GSON.toJsonTree(event).getAsJsonObject();
        java.util.List<Event.FlowInfo> flows = new java.util.ArrayList<>();
        if (event.flow() != null) {
            flows.add(event.flow());
        }
        if (event.background() != null && event.background().flowList() != null) {
            flows.addAll(event.background().flowList());
        }
        java.util.Map<String, com.google.gson.JsonArray> byProto = new java.util.LinkedHashMap<>();
        for (Event.FlowInfo f : flows) {
            com.google.gson.JsonObject nodes = new com.google.gson.JsonObject();
            nodes.add("local", GSON.toJsonTree(f.local()));
            nodes.add("remote", GSON.toJsonTree(f.remote()));
            com.google.gson.JsonObject pair = new com.google.gson.JsonObject();
            pair.add("nodes", nodes);
            byProto.computeIfAbsent(String.valueOf(f.proto()), p -> new com.google.gson.JsonArray()).add(pair);
        }
        com.google.gson.JsonArray protocols = new com.google.gson.JsonArray();
        byProto.forEach((proto, pairs) -> {
            com.google.gson.JsonObject p = new com.google.gson.JsonObject();
            p.addProperty("proto", proto);
            p.add("pairs", pairs);
            protocols.add(p);
        });
        com.google.gson.JsonObject view = new com.google.gson.JsonObject();
        view.add("protocols", protocols);
        com.google.gson.JsonObject background = root.has("background") && root.get("background").isJsonObject()
                ? root.getAsJsonObject("background") : new com.google.gson.JsonObject();
        background.add("flows", view);
        root.add("background", background);
        return GSON.toJson(root);
    }
}
