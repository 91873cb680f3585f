package jibril.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Tokens written in config entries stay out of the log, status and jibril:config. */
class SecretsTest {

    @Test
    void secretOptionValuesAreMaskedInEntries() {
        assertEquals("jibril:attenuator:url=http://127.0.0.1:11434/v1/chat/completions:token=***:model=llama3",
                Secrets.mask("jibril:attenuator:url=http://127.0.0.1:11434/v1/chat/completions:token=sk-1:model=llama3"));
        assertEquals("jibril:printers:http:url=https://siem.example.com:8443/in:hmac-secret=***:token-file=/etc/t",
                Secrets.mask("jibril:printers:http:url=https://siem.example.com:8443/in:hmac-secret=s3:token-file=/etc/t"));
        assertEquals("jibril:printers:stdout", Secrets.mask("jibril:printers:stdout"));
        assertTrue(Secrets.secret("token"));
        assertTrue(Secrets.secret("api-key"));
        assertFalse(Secrets.secret("token-file"));
        assertFalse(Secrets.secret("url"));
    }

    @Test
    void theApplierLogLineDoesNotShowThem() {
        String diff = Applier.diff(Map.of("token", "sk-old", Pids.ENTRY, "jibril:attenuator:token=sk-old"),
                Map.of("token", "sk-new", Pids.ENTRY, "jibril:attenuator:token=sk-new"));
        assertFalse(diff.contains("sk-"), diff);
        assertTrue(diff.contains("token: *** -> ***"), diff);
    }
}
