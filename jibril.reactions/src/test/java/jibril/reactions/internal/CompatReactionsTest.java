package jibril.reactions.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import jibril.core.api.Event;
import jibril.core.api.NetPolicy;
import jibril.core.api.Reaction;

/**
 * The original product's reaction test recipes ({@code ../shared/compat/jibril-recipes/jibril/tests}), unchanged:
 * every reaction validates, and the netpolicy ones do what they say against a netpolicy that keeps its blocks (the
 * real one is another bundle; the daemon-level test of the others is jibril.e2e's ReactionsTest), and say so
 * clearly when there is no netpolicy.
 */
class CompatReactionsTest {

    static final Path TESTS = Path.of("").toAbsolutePath().getParent().getParent()
            .resolve("shared/compat/jibril-recipes/jibril/tests");

    @TempDir
    static Path dir;
    static JsEngine js;
    static Map<String, String> code = new LinkedHashMap<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        js = new JsEngine(Fixtures.options(dir));
        if (!Files.isDirectory(TESTS)) {
            // The corpus lives next to the repository (../shared/compat), not in it: say loudly that it was not
            // checked rather than pretend.
            System.err.println("WARNING: compatibility corpus not found at " + TESTS + ": not checked");
            return;
        }
        for (Path f : Files.list(TESTS).filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
            for (Map<String, Object> recipe : (List<Map<String, Object>>) new Yaml().load(Files.readString(f))) {
                for (Map<String, Object> r : (List<Map<String, Object>>) recipe.get("reactions")) {
                    assertEquals("js", r.get("format"));
                    code.put((String) recipe.get("name"), (String) r.get("code"));
                }
            }
        }
    }

    @AfterAll
    static void stop() {
        js.close();
    }

    /** A netpolicy that keeps its blocks, like the real one. */
    static final class KeepingNet implements NetPolicy {
        final Set<String> addresses = new LinkedHashSet<>();
        final Set<String> domains = new LinkedHashSet<>();
        final List<String> timed = new ArrayList<>();

        @Override
        public boolean blockAddress(String cidr, Duration until) {
            if (until != null) {
                timed.add(cidr + " " + until);
            }
            return addresses.add(cidr);
        }

        @Override
        public boolean unblockAddress(String cidr) {
            return addresses.remove(cidr);
        }

        @Override
        public boolean blockDomain(String domain, Duration until) {
            return domains.add(domain);
        }

        @Override
        public boolean unblockDomain(String domain) {
            return domains.remove(domain);
        }

        @Override
        public List<Map<String, Object>> rules() {
            return List.of();
        }
    }

    private static List<String> run(String recipe, Supplier<NetPolicy> net) throws Exception {
        List<String> log = Fixtures.lines();
        Reaction r = new Reaction(recipe, 0, "js", code.get(recipe));
        Event e = Fixtures.event(999_999_999L, 999_999_998L);
        Options o = Fixtures.options(dir);
        Helpers h = new Helpers(r, e, o, new DataStore(o.dataDir()), net, new KillGuard(500, new Libc()),
                (level, msg) -> log.add(level + ": " + msg));
        js.run(r, e, EventJson.forReaction(e), Duration.ofSeconds(5), h);
        return log;
    }

    @Test
    void everyReactionOfTheCorpusValidates() {
        if (!Files.isDirectory(TESTS)) {
            return; // warned in load()
        }
        assertEquals(11, code.size(), code.keySet().toString());
        code.values().forEach(js::validate);
    }

    @Test
    void blockIpBlocksTheDetectionsAddressesAndKnowsWhenAlreadyBlocked() throws Exception {
        if (!Files.isDirectory(TESTS)) {
            return; // warned in load()
        }
        KeepingNet net = new KeepingNet();
        List<String> log = run("reactions_block_ip_block", () -> net);
        assertTrue(log.contains("info: all good, remote CIDRs blocked"), log.toString());
        assertTrue(log.contains("info: blocking found remote CIDRs: 192.0.2.7"), log.toString());
        assertEquals(Set.of("192.0.2.7"), net.addresses);
        log = run("reactions_block_ip_block", () -> net);
        assertTrue(log.contains("warn: all remote CIDRs were already blocked"), log.toString());
    }

    @Test
    void timedBlockAsksForThirtySeconds() throws Exception {
        if (!Files.isDirectory(TESTS)) {
            return; // warned in load()
        }
        KeepingNet net = new KeepingNet();
        List<String> log = run("reactions_block_ip_timer", () -> net);
        assertTrue(log.contains("info: all good, remote CIDRs blocked with timer"), log.toString());
        assertEquals(List.of("192.0.2.7 PT30S"), net.timed);
    }

    @Test
    void unblockLiftsWhatItBlocked() throws Exception {
        if (!Files.isDirectory(TESTS)) {
            return; // warned in load()
        }
        KeepingNet net = new KeepingNet();
        List<String> log = run("reactions_block_ip_unblock", () -> net);
        assertTrue(log.contains("info: all good, ip unblocked"), log.toString());
        assertTrue(net.addresses.isEmpty());
    }

    @Test
    void blockDomainBlocksTheDetectionsNames() throws Exception {
        if (!Files.isDirectory(TESTS)) {
            return; // warned in load()
        }
        KeepingNet net = new KeepingNet();
        List<String> log = run("reactions_block_domain_block", () -> net);
        assertTrue(log.contains("info: all good, remote domains blocked"), log.toString());
        assertTrue(log.contains("info: blocking found remote domains: evil.example, cdn.example"), log.toString());
        assertEquals(Set.of("evil.example", "cdn.example"), net.domains);
    }

    @Test
    void withoutNetpolicyTheyReportWhy() throws Exception {
        if (!Files.isDirectory(TESTS)) {
            return; // warned in load()
        }
        for (String recipe : List.of("reactions_block_ip_block", "reactions_block_ip_timer",
                "reactions_block_ip_unblock", "reactions_block_domain_block")) {
            List<String> log = run(recipe, () -> null);
            assertTrue(log.contains("error: errno ENOSYS: netpolicy is not running (add jibril:netpolicy to "
                    + "config.plugin)"), recipe + ": " + log);
            assertFalse(log.stream().anyMatch(l -> l.startsWith("info: all good")), recipe + ": " + log);
        }
    }
}
