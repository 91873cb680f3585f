package jibril.attenuator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Options from the plugin entry and the AI_* environment variables. */
class SettingsTest {

    /** As DS hands them over: the configuration's properties and the component's own. */
    static final Map<String, Object> ENTRY = Map.of("jibril.entry", "jibril:attenuator", "jibril.source", "embedded",
            "service.pid", "jibril.plugin.attenuator", "jibril.status.name", "attenuator", "component.name",
            "jibril.attenuator.internal.AttenuatorComponent", "component.id", 12L);

    static Map<String, Object> entry(String... kv) {
        Map<String, Object> m = new java.util.HashMap<>(ENTRY);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void theEntryAloneEnablesWithTheDefaults() throws Exception {
        Settings s = Settings.from(ENTRY, Map.of());
        assertTrue(s.enabled());
        assertEquals("openai", s.name());
        assertEquals(Settings.DEFAULT_URL, s.url().toString());
        assertEquals("", s.token());
        assertEquals(Settings.DEFAULT_MODEL, s.model());
        assertEquals(0.2, s.temperature());
        assertEquals(Settings.Mode.AMEND, s.mode());
        assertEquals(10_000, s.budgetMs());
        assertEquals(600_000, s.cacheMs());
        assertEquals(0.8, s.blockConfidence());
        assertEquals(Path.of("/var/log/jibril/attenuated.json"), s.withheldFile());
        assertTrue(s.redact());
    }

    @Test
    void withoutTheEntryOnlyAiEnabledTurnsItOn() throws Exception {
        assertFalse(Settings.from(Map.of(), Map.of()).enabled());
        assertFalse(Settings.from(Map.of("jibril.status.name", "attenuator", "component.id", 3L), Map.of()).enabled(),
                "the component's own properties are not an entry");
        assertFalse(Settings.from(Map.of(), Map.of("AI_TOKEN", "t")).enabled());
        assertTrue(Settings.from(Map.of(), Map.of("AI_ENABLED", "true")).enabled());
        assertFalse(Settings.from(entry("enabled", "false"), Map.of()).enabled());
        assertFalse(Settings.from(ENTRY, Map.of("AI_ENABLED", "false")).enabled());
    }

    @Test
    void environmentVariablesOverrideTheEntry() throws Exception {
        Settings s = Settings.from(entry("url", "http://127.0.0.1:11434/v1/chat/completions", "model", "llama3",
                "mode", "amend", "temperature", "0.5", "token", "from-file"),
                Map.of("AI_URL", "https://llm.example.com/v1/chat/completions", "AI_MODEL", "gpt-x", "AI_MODE", "block",
                        "AI_TEMPERATURE", "0", "AI_TOKEN", "from-env"));
        assertEquals("https://llm.example.com/v1/chat/completions", s.url().toString());
        assertEquals("gpt-x", s.model());
        assertEquals(Settings.Mode.BLOCK, s.mode());
        assertEquals(0.0, s.temperature());
        assertEquals("from-env", s.token());
    }

    @Test
    void durationsAndTheTokenFile(@TempDir Path tmp) throws Exception {
        Path tf = tmp.resolve("token");
        Files.writeString(tf, "sk-from-file\n");
        Settings s = Settings.from(entry("budget", "2500ms", "cache-time", "5m", "breaker-time", "30s",
                "token-file", tf.toString()), Map.of());
        assertEquals(2500, s.budgetMs());
        assertEquals(300_000, s.cacheMs());
        assertEquals(30_000, s.breakerMs());
        assertEquals("sk-from-file", s.token());
        try (LlmAttenuator a = new LlmAttenuator(s, m -> { })) {
            assertEquals(2500L, a.serviceProperties().get("jibril.attenuator.budget.ms"));
        }
    }

    @Test
    void wrongOptionsAreNamedAllAtOnce() {
        Settings.Invalid e = assertThrows(Settings.Invalid.class, () -> Settings.from(entry("mode", "drop",
                "temperature", "hot", "budget", "forever", "url", "ftp://x", "colour", "blue"), Map.of("AI_MODEL", "")));
        String m = e.getMessage();
        assertTrue(m.startsWith("jibril:attenuator: "), m);
        assertTrue(m.contains("option mode \"drop\": expected amend, reason or block"), m);
        assertTrue(m.contains("option temperature \"hot\": expected a number from 0 to 2"), m);
        assertTrue(m.contains("option budget \"forever\": expected a duration"), m);
        assertTrue(m.contains("option url \"ftp://x\": expected an http(s) URL"), m);
        assertTrue(m.contains("option \"colour\" is unknown"), m);

        Settings.Invalid env = assertThrows(Settings.Invalid.class,
                () -> Settings.from(ENTRY, Map.of("AI_TEMPERATURE", "9")));
        assertTrue(env.getMessage().contains("environment variable AI_TEMPERATURE \"9\""), env.getMessage());
    }

    @Test
    void theTokenIsNeverShown() throws Exception {
        String token = "sk-very-secret-token";
        Settings s = Settings.from(ENTRY, Map.of("AI_TOKEN", token));
        assertFalse(s.toString().contains(token), s.toString());
        assertEquals("set", s.describe().get("token"));
        Settings.Invalid e = assertThrows(Settings.Invalid.class,
                () -> Settings.from(ENTRY, Map.of("AI_TOKEN", "sk with spaces")));
        assertFalse(e.getMessage().contains("sk with spaces"), e.getMessage());
    }
}
