package jibril.attenuator.internal;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import jibril.core.api.Event;
import jibril.core.api.ProcessInfo;

/**
 * What the model is asked: a fixed system prompt and the detection as JSON (recipe metadata, process and its
 * ancestry, the file or the flow, host facts). Nothing else of the event goes out: no file contents (events carry
 * none), no machine id, no background lists; with {@code redact} (the default) values of environment variables
 * ({@code NAME=value}) and of secret-looking arguments ({@code --password=x}, {@code --token x}) are masked.
 */
final class Prompt {

    static final String SYSTEM = """
            You are a security analyst triaging detections of a Linux runtime security agent (Jibril). \
            You get one detection as JSON: the rule that fired (recipe) and its metadata, the process (executable, \
            arguments), its ancestry (parent first), the file or network flow involved, and host facts. \
            Decide whether it is a false positive (benign, expected activity such as package managers, \
            configuration management, monitoring agents, or the system's own services) or a true positive worth an \
            engineer's attention, and how severe it is. Values shown as [redacted] were hidden from you on purpose. \
            Answer with one JSON object and nothing else, with exactly these fields: \
            "is_false_positive" (boolean), "confidence" (number from 0 to 1: how sure you are of is_false_positive), \
            "new_severity" (integer from 0 to 100: 0 none, 20 low, 50 medium, 70 high, 90 critical), \
            "interpretation" (string: one or two sentences an on-call engineer reads), \
            "thinking" (string: your reasoning, briefly).""";

    static final String REDACTED = "[redacted]";

    /** {@code NAME=value} where NAME is an environment variable name (upper case by convention). */
    private static final Pattern ENV_ASSIGNMENT = Pattern.compile("(?<![\\w-])([A-Z_][A-Z0-9_]*)=(\\S*)");
    private static final String SECRET = "(?i:[\\w.-]*(?:pass(?:word|wd)?|secret|token|api[_-]?key|auth|credential|cookie|"
            + "private[_-]?key)[\\w.-]*)";
    /** {@code --password=x}, {@code -token=x}, {@code password=x}. */
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile("(?<![\\w-])(-{0,2}" + SECRET + ")=(\\S*)");
    /** {@code --password x}, {@code -p x} is too ambiguous to mask; only the spelled-out names. */
    private static final Pattern SECRET_FLAG = Pattern.compile("(?<![\\w-])(-{1,2}" + SECRET + ")(\\s+)(?!-)(\\S+)");

    private final boolean redact;

    Prompt(boolean redact) {
        this.redact = redact;
    }

    /** The chat-completions request body. */
    JsonObject request(Settings s, Event e) {
        JsonObject body = new JsonObject();
        body.addProperty("model", s.model());
        body.addProperty("temperature", s.temperature());
        JsonObject format = new JsonObject();
        format.addProperty("type", "json_object");
        body.add("response_format", format);
        JsonArray messages = new JsonArray();
        messages.add(message("system", SYSTEM));
        messages.add(message("user", detection(e).toString()));
        body.add("messages", messages);
        return body;
    }

    private static JsonObject message(String role, String content) {
        JsonObject m = new JsonObject();
        m.addProperty("role", role);
        m.addProperty("content", content);
        return m;
    }

    /** The detection as the model sees it. */
    JsonObject detection(Event e) {
        JsonObject d = new JsonObject();
        Event.Metadata md = e.metadata();
        if (md != null) {
            JsonObject r = new JsonObject();
            put(r, "name", md.name());
            put(r, "kind", md.kind());
            put(r, "description", md.description());
            put(r, "tactic", md.tactic());
            put(r, "technique", md.technique());
            put(r, "subtechnique", md.subtechnique());
            put(r, "importance", md.importance());
            put(r, "documentation", md.documentation());
            d.add("recipe", r);
        }
        put(d, "note", clean(e.note()));
        if (e.score() != null) {
            JsonObject sc = new JsonObject();
            sc.addProperty("severity", e.score().severity());
            sc.addProperty("severity_level", e.score().severityLevel());
            sc.addProperty("confidence", e.score().confidence());
            d.add("score", sc);
        }
        if (e.process() != null) {
            d.add("process", process(e.process()));
        }
        if (e.background() != null && e.background().ancestry() != null) {
            JsonArray a = new JsonArray();
            List<ProcessInfo> ancestry = e.background().ancestry();
            ancestry.forEach(p -> a.add(process(p)));
            d.add("ancestry", a);
        }
        if (e.file() != null) {
            Event.FileInfo f = e.file();
            JsonObject fo = new JsonObject();
            put(fo, "path", f.file());
            JsonArray actions = new JsonArray();
            if (f.actions() != null) {
                f.actions().forEach(actions::add);
            }
            fo.add("actions", actions);
            put(fo, "type", f.type());
            put(fo, "mode", f.mode());
            fo.addProperty("uid", f.uid());
            fo.addProperty("gid", f.gid());
            put(fo, "fs", f.fs());
            d.add("file", fo);
        }
        if (e.flow() != null) {
            Event.FlowInfo f = e.flow();
            JsonObject fo = new JsonObject();
            put(fo, "proto", f.proto());
            fo.addProperty("ip_version", f.ipVersion());
            fo.add("local", node(f.local()));
            fo.add("remote", node(f.remote()));
            fo.addProperty("service_port", f.servicePort());
            JsonArray actions = new JsonArray();
            if (f.actions() != null) {
                f.actions().forEach(actions::add);
            }
            fo.add("actions", actions);
            if (f.flags() != null) {
                JsonArray flags = new JsonArray();
                f.flags().forEach((k, v) -> {
                    if (Boolean.TRUE.equals(v)) {
                        flags.add(k);
                    }
                });
                fo.add("flags", flags);
            }
            d.add("flow", fo);
        }
        if (e.scenarios() != null && e.scenarios().hostos() != null) {
            Event.HostOs h = e.scenarios().hostos();
            JsonObject ho = new JsonObject();
            put(ho, "hostname", h.hostname());
            put(ho, "os", h.os());
            put(ho, "arch", h.arch());
            d.add("host", ho);
        }
        return d;
    }

    private JsonObject process(ProcessInfo p) {
        JsonObject o = new JsonObject();
        put(o, "exe", p.exe());
        put(o, "args", clean(p.args()));
        put(o, "comm", p.comm());
        o.addProperty("uid", p.uid());
        o.addProperty("pid", p.pid());
        o.addProperty("ppid", p.ppid());
        put(o, "start", p.start());
        return o;
    }

    private static JsonObject node(Event.Node n) {
        JsonObject o = new JsonObject();
        if (n == null) {
            return o;
        }
        put(o, "address", n.address());
        o.addProperty("port", n.port());
        put(o, "name", n.name());
        if (n.names() != null && !n.names().isEmpty()) {
            JsonArray a = new JsonArray();
            n.names().forEach(a::add);
            o.add("names", a);
        }
        return o;
    }

    private static void put(JsonObject o, String key, String value) {
        if (value != null && !value.isEmpty()) {
            o.addProperty(key, value);
        }
    }

    /** The text with environment values and secret-looking argument values masked (when redacting). */
    String clean(String text) {
        if (!redact || text == null || text.isEmpty()) {
            return text;
        }
        String t = replace(SECRET_FLAG, text, m -> m.group(1) + m.group(2) + REDACTED);
        t = replace(SECRET_ASSIGNMENT, t, m -> m.group(1) + "=" + REDACTED);
        return replace(ENV_ASSIGNMENT, t, m -> m.group(1) + "=" + REDACTED);
    }

    private static String replace(Pattern p, String text, java.util.function.Function<Matcher, String> with) {
        Matcher m = p.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(with.apply(m)));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
