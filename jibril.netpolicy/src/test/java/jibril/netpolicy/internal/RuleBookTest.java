package jibril.netpolicy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RuleBookTest {

    private static Policy policy(String rules) throws Exception {
        return PolicyParser.parse("p.yaml", "network_policy:\n  cidr_mode: both\n  rules:\n" + rules);
    }

    @Test
    void blocksWinOverTheFileAndSurviveReloads() throws Exception {
        RuleBook b = new RuleBook();
        b.setPolicy(policy("    - {cidr: 10.0.0.0/8, policy: allow}\n    - {cidr: 10.1.0.0/16, policy: allow}\n"));
        assertTrue(b.blockAddress(Cidr.parse("10.1.0.0/16"), 0));
        assertFalse(b.blockAddress(Cidr.parse("10.1.0.0/16"), 0));
        assertEquals(Map.of(Cidr.parse("10.0.0.0/8"), Policy.Action.ALLOW, Cidr.parse("10.1.0.0/16"),
                Policy.Action.DENY), b.actions());
        b.setPolicy(policy("    - {cidr: 10.0.0.0/8, policy: deny}\n"));
        assertEquals(Policy.Action.DENY, b.actions().get(Cidr.parse("10.1.0.0/16")));
        assertTrue(b.unblockAddress(Cidr.parse("10.1.0.0/16")));
        assertEquals(Map.of(Cidr.parse("10.0.0.0/8"), Policy.Action.DENY), b.actions());
    }

    @Test
    void blocksExpire() {
        RuleBook b = new RuleBook();
        b.blockAddress(Cidr.parse("1.2.3.4"), 1000);
        b.blockDomain("a.b", 2000);
        b.blockAddress(Cidr.parse("1.2.3.5"), 0);
        assertFalse(b.expire(999));
        assertTrue(b.expire(1000));
        assertEquals(1, b.addressBlocks().size());
        assertEquals(1, b.domainBlocks().size());
        assertTrue(b.expire(5000));
        assertEquals(0, b.domainBlocks().size());
        assertEquals(1, b.addressBlocks().size());
    }

    @Test
    void answersForDeniedDomainsBecomeHostRulesCnamesIncluded() throws Exception {
        RuleBook b = new RuleBook();
        b.setPolicy(policy("    - {domain: bad.test, policy: deny}\n    - {domain: ok.bad.test, policy: allow}\n"));
        assertFalse(b.learn(Cidr.parse("192.0.2.1"), List.of("unrelated.test")));
        assertTrue(b.learn(Cidr.parse("192.0.2.2"), List.of("www.bad.test")));
        assertTrue(b.learn(Cidr.parse("192.0.2.3"), List.of("innocent.test", "cdn.bad.test")));
        assertTrue(b.learn(Cidr.parse("192.0.2.4"), List.of("ok.bad.test")));
        Map<Cidr, RuleBook.Source> e = b.effective();
        assertEquals(Policy.Action.DENY, e.get(Cidr.parse("192.0.2.2")).action());
        assertEquals(Policy.Action.DENY, e.get(Cidr.parse("192.0.2.3")).action());
        assertEquals("domain bad.test", e.get(Cidr.parse("192.0.2.3")).origin());
        assertEquals(List.of("cdn.bad.test", "innocent.test"), e.get(Cidr.parse("192.0.2.3")).names());
        assertEquals(Policy.Action.ALLOW, e.get(Cidr.parse("192.0.2.4")).action());
        assertNull(e.get(Cidr.parse("192.0.2.1")));
        // the rule goes: so do the host rules it made
        b.setPolicy(policy("    - {cidr: 10.0.0.0/8, policy: deny}\n"));
        assertEquals(Map.of(Cidr.parse("10.0.0.0/8"), Policy.Action.DENY), b.actions());
        // a domain blocked through the API
        b.blockDomain("bad.test", 0);
        assertEquals(Policy.Action.DENY, b.actions().get(Cidr.parse("192.0.2.2")));
        assertTrue(Domains.covers("bad.test", "x.BAD.test."));
        assertFalse(Domains.covers("bad.test", "notbad.test"));
    }
}
