package jibril.config.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ApplierTest {

    private static final String FILE = "/etc/jibril/config.yaml";

    private static Map<String, Map<String, Object>> wanted(String yaml) {
        ConfigParser.Result r = ConfigParser.parse(FILE, yaml, Overrides.NONE);
        assertTrue(r.ok(), r.errors()::toString);
        return Pids.of(r.config(), FILE);
    }

    @Test
    void createsEverythingOnceThenWritesNothingWhenNothingChanged() {
        InMemoryStore store = new InMemoryStore();
        Applier.Outcome first = Applier.apply(wanted(""), store);
        assertEquals(12, first.created().size());
        assertEquals(12, store.writes.size());
        assertTrue(first.changed());

        store.writes.clear();
        Applier.Outcome again = Applier.apply(wanted(""), store);
        assertEquals(List.of(), store.writes);
        assertFalse(again.changed());
        assertEquals(12, again.unchanged().size());
        assertEquals("nothing changed; 12 unchanged", again.summary());
    }

    @Test
    void updatesOnlyWhatChangedAndSaysWhat() {
        InMemoryStore store = new InMemoryStore();
        Applier.apply(wanted(""), store);
        store.writes.clear();
        Applier.Outcome o = Applier.apply(wanted("run-time:\n  log-level: debug\ncaches:\n  tasks: 2\n"), store);
        assertEquals(List.of("put jibril.runtime", "put jibril.caches"), store.writes);
        assertEquals(Map.of("jibril.runtime", "log.level: info -> debug", "jibril.caches", "tasks: 65536 -> 2048"),
                o.updated());
        assertEquals("debug", store.configs.get("jibril.runtime").get("log.level"));
        assertEquals("updated jibril.runtime (log.level: info -> debug); updated jibril.caches (tasks: 65536 ->"
                + " 2048); 10 unchanged", o.summary());
    }

    @Test
    void arraysAreComparedByContent() {
        InMemoryStore store = new InMemoryStore();
        Applier.apply(wanted(""), store);
        store.writes.clear();
        Applier.Outcome o = Applier.apply(wanted("config:\n  event: [jibril:core:exec, jibril:detect:x]\n"), store);
        assertEquals(List.of("put jibril.events"), store.writes);
        assertEquals("enabled: [] -> [jibril:core:exec, jibril:detect:x]", o.updated().get(
                "jibril.events"));
    }

    @Test
    void deletesOwnedConfigurationsNoLongerWantedAndLeavesOthersAlone() {
        InMemoryStore store = new InMemoryStore();
        store.configs.put("org.example.other", Map.of("x", "y"));
        Applier.apply(wanted("config:\n  plugin: [jibril:hold, jibril:netpolicy:file=/a]\n"), store);
        assertTrue(store.configs.containsKey("jibril.plugin.netpolicy"));
        store.writes.clear();
        Applier.Outcome o = Applier.apply(wanted("config:\n  plugin: [jibril:hold]\n"), store);
        assertEquals(List.of("delete jibril.plugin.netpolicy"), store.writes);
        assertEquals(List.of("jibril.plugin.netpolicy"), o.deleted());
        assertEquals(Map.of("x", "y"), store.configs.get("org.example.other"));
    }

    @Test
    void aForeignConfigurationInTheWayIsLeftAloneAndReported() {
        InMemoryStore store = new InMemoryStore();
        store.configs.put("jibril.plugin.hold", Map.of("from", "deploy/jibril.plugin.hold.cfg"));
        Applier.Outcome o = Applier.apply(wanted(""), store);
        assertEquals(Map.of("from", "deploy/jibril.plugin.hold.cfg"), store.configs.get("jibril.plugin.hold"));
        assertEquals(List.of("configuration jibril.plugin.hold exists and was not made from config.yaml (no"
                + " jibril.source property); left alone"), o.conflicts());
        assertEquals(11, o.created().size());
        assertEquals(List.of(), o.failures());
    }

    @Test
    void aFailedWriteIsReportedAndTheRestIsStillApplied() {
        InMemoryStore store = new InMemoryStore();
        store.failOn = "jibril.caches";
        Applier.Outcome o = Applier.apply(wanted(""), store);
        assertEquals(List.of("cannot write configuration jibril.caches: java.io.IOException: disk full"),
                o.failures());
        assertEquals(11, store.configs.size());
    }

    @Test
    void diffIgnoresPropertiesAddedByConfigAdmin() {
        assertEquals("", Applier.diff(Map.of("a", 1, "service.pid", "p", "service.bundleLocation", "?"),
                Map.of("a", 1)));
        assertEquals("a: 1 -> 2, b: (none) -> x", Applier.diff(Map.of("a", 1), Map.of("a", 2, "b", "x")));
        assertEquals("a: 1 -> (none)", Applier.diff(Map.of("a", 1), Map.of()));
        assertEquals("a: 1 -> 1", Applier.diff(Map.of("a", 1), Map.of("a", 1L)));
    }
}
