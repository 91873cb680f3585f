package jibril.printers.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import jibril.core.api.Event;
import jibril.core.api.ProcessInfo;

class EventJsonTest {

    @Test
    void writesTheOriginalEventShapeOnOneLine() {
        ProcessInfo p = new ProcessInfo("2026-11-25T10:00:00Z", "", 0, 0, 42, 1, "cat", "cat /etc/shadow",
                "/usr/bin/cat", "/etc/shadow");
        ProcessInfo parent = new ProcessInfo("2026-11-25T09:00:00Z", "", 0, 0, 1, 0, "bash", "bash", "/usr/bin/bash", "");
        Event e = new Event("u-1", "2026-11-25T10:00:00.000000001Z", "",
                new Event.Metadata("execution", "exec", "exec", "1.0", "A program was executed", "", "", "", "none", ""),
                Event.Score.ofImportance("none"), p, new Event.Background(List.of(parent)),
                new Event.Scenarios(new Event.HostOs("mid", "host", "10.0.0.1", "Debian", "x86_64")));
        String line = new EventJson().toJson(e);
        assertFalse(line.contains("\n"));
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertEquals("u-1", o.get("uuid").getAsString());
        assertEquals("exec", o.getAsJsonObject("metadata").get("name").getAsString());
        assertEquals("none", o.getAsJsonObject("score").get("severity_level").getAsString());
        assertEquals("/usr/bin/cat", o.getAsJsonObject("process").get("exe").getAsString());
        assertEquals(42, o.getAsJsonObject("process").get("pid").getAsInt());
        assertEquals("bash", o.getAsJsonObject("background").getAsJsonArray("ancestry").get(0).getAsJsonObject()
                .get("comm").getAsString());
        assertEquals("mid", o.getAsJsonObject("scenarios").getAsJsonObject("hostos").get("machine_id").getAsString());
        assertTrue(line.contains("\"/etc/shadow\""), "no HTML escaping of paths");
    }

    @Test
    void leavesOutWhatIsNull() {
        Event e = new Event("u", "t", "", null, null, null, null, null);
        JsonObject o = JsonParser.parseString(new EventJson().toJson(e)).getAsJsonObject();
        assertFalse(o.has("process"));
    }
}
