package jibril.attenuator.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import jibril.core.api.Event;

/**
 * The model's judgement of one detection, validated.
 *
 * @param falsePositive  whether the model judges the detection a false positive
 * @param confidence     how sure it is of that, 0-1
 * @param newSeverity    the severity it gives, 0-100
 * @param interpretation a sentence or two for the on-call engineer
 * @param thinking       its reasoning (shown in reason mode only)
 */
record Verdict(boolean falsePositive, double confidence, int newSeverity, String interpretation, String thinking) {

    /** An answer that is not a usable verdict; the message says what is wrong (never the answer itself). */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message);
        }
    }

    /** Longest interpretation or thinking kept; longer text is cut. */
    static final int MAX_TEXT = 4000;

    /** The verdict in a chat-completions response body ({@code choices[0].message.content}, a JSON object). */
    static Verdict parseResponse(String body) throws Malformed {
        JsonElement root;
        try {
            root = JsonParser.parseString(body);
        } catch (JsonParseException e) {
            throw new Malformed("the response is not JSON");
        }
        if (!root.isJsonObject() || !(root.getAsJsonObject().get("choices") instanceof JsonArray choices)
                || choices.isEmpty() || !(choices.get(0) instanceof JsonObject choice)
                || !(choice.get("message") instanceof JsonObject message)
                || !(message.get("content") instanceof JsonPrimitive content) || !content.isString()) {
            throw new Malformed("the response has no choices[0].message.content");
        }
        return parseContent(content.getAsString());
    }

    /** The verdict in the model's answer text: one JSON object (a Markdown code fence around it is tolerated). */
    static Verdict parseContent(String text) throws Malformed {
        String t = text.strip();
        if (t.startsWith("```")) {
            int nl = t.indexOf('\n');
            int end = t.lastIndexOf("```");
            t = nl > 0 && end > nl ? t.substring(nl + 1, end).strip() : t;
        }
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(t);
            if (!e.isJsonObject()) {
                throw new Malformed("the answer is not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new Malformed("the answer is not JSON");
        }
        if (!(o.get("is_false_positive") instanceof JsonPrimitive fp) || !fp.isBoolean()) {
            throw new Malformed("is_false_positive is missing or not a boolean");
        }
        double confidence = number(o, "confidence", 0, 1);
        double severity = number(o, "new_severity", 0, 100);
        return new Verdict(fp.getAsBoolean(), confidence, (int) Math.round(severity), text(o, "interpretation"),
                text(o, "thinking"));
    }

    private static double number(JsonObject o, String key, double min, double max) throws Malformed {
        if (!(o.get(key) instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new Malformed(key + " is missing or not a number");
        }
        double d = p.getAsDouble();
        if (!(d >= min && d <= max)) {
            throw new Malformed(key + " is " + d + ", expected " + (long) min + " to " + (long) max);
        }
        return d;
    }

    private static String text(JsonObject o, String key) throws Malformed {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return "";
        }
        if (!(e instanceof JsonPrimitive p) || !p.isString()) {
            throw new Malformed(key + " is not a string");
        }
        String s = p.getAsString().strip();
        return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) + "…" : s;
    }

    /** The severity level of a severity, on the scale of {@link Event.Score#ofImportance}. */
    static String level(int severity) {
        if (severity >= 90) {
            return "critical";
        }
        if (severity >= 70) {
            return "high";
        }
        if (severity >= 40) {
            return "medium";
        }
        return severity > 0 ? "low" : "none";
    }

    /** The confidence that the detection is real: the model's confidence, turned around for a false positive. */
    double eventConfidence() {
        return round(falsePositive ? 1 - confidence : confidence);
    }

    double riskScore() {
        return round(newSeverity * eventConfidence());
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    /** The event with this verdict in {@code attenuator} and its score updated. */
    Event apply(Event e, String attenuatedBy, boolean withThinking) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("attenuated_by", attenuatedBy);
        a.put("interpretation", interpretation);
        if (withThinking) {
            a.put("thinking", thinking);
        }
        a.put("is_false_positive", falsePositive);
        a.put("new_severity", newSeverity);
        a.put("new_severity_level", level(newSeverity));
        a.put("new_confidence", eventConfidence());
        a.put("new_risk_score", riskScore());
        return e.withAttenuator(java.util.Collections.unmodifiableMap(a))
                .withScore(new Event.Score(newSeverity, level(newSeverity), eventConfidence(), riskScore()));
    }
}
