package jibril.netpolicy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class PolicyParserTest {

    private static final String F = "/etc/jibril/netpolicy.yaml";

    /** The example of the original product's documentation, as users have it. */
    static final String ORIGINAL_EXAMPLE = """
            #
            # Alert and deny all traffic by default, allowing only declared domains to be resolved.
            #
            network_policy:
              cidr_mode: "both"
              cidr_policy: "allow"
              resolve_mode: "bypass"
              resolve_policy: "allow"
              rules:
                - cidr: "127.0.0.0/8"
                  policy: "allow"
                - cidr: "::1/128"
                  policy: "allow"
                - cidr: "192.168.0.0/16"
                  policy: "allow"
                - cidr: "172.16.0.0/16"
                  policy: "allow"
                - cidr: "10.0.0.0/8"
                  policy: "allow"
                - cidr: "8.8.8.8/32"
                  policy: "allow"
                - cidr: "9.9.9.9/32"
                  policy: "deny"
                - domain: "google.com"
                  policy: "allow"
                - domain: "example.com"
                  policy: "deny"
            """;

    private static String error(String text) {
        return assertThrows(PolicyParser.PolicyException.class, () -> PolicyParser.parse(F, text)).getMessage();
    }

    @Test
    void theOriginalExampleLoads() throws Exception {
        Policy p = PolicyParser.parse(F, ORIGINAL_EXAMPLE);
        assertEquals(Policy.Mode.BOTH, p.cidrMode());
        assertEquals(Policy.Action.ALLOW, p.cidrPolicy());
        assertEquals(Policy.Mode.BYPASS, p.resolveMode());
        assertEquals(9, p.rules().size());
        assertEquals("::1/128", p.rules().get(1).cidr().toString());
        assertEquals(Policy.Action.DENY, p.rules().get(6).action());
        assertEquals("example.com", p.rules().get(8).domain());
        assertEquals(26, p.rules().get(8).line());
    }

    @Test
    void defaultsAreBypassAndAllow() throws Exception {
        Policy p = PolicyParser.parse(F, "network_policy:\n  rules: []\n");
        assertEquals(Policy.NONE, p);
        assertEquals(Policy.NONE, PolicyParser.parse(F, "network_policy: {}\n"));
    }

    @Test
    void barAddressesAreHostRoutesAndHostBitsAreCleared() throws Exception {
        Policy p = PolicyParser.parse(F, """
                network_policy:
                  cidr_mode: enforce
                  rules:
                    - {cidr: 10.1.2.3, policy: deny}
                    - {cidr: 10.1.2.3/8, policy: allow}
                    - {cidr: "fd00::1", policy: deny}
                    - {cidr: "FD00:1::/32", policy: deny}
                    - {domain: "*.Example.ORG.", policy: deny}
                """);
        assertEquals(List.of("10.1.2.3/32", "10.0.0.0/8", "fd00::1/128", "fd00:1::/32"),
                p.rules().stream().filter(r -> r.cidr() != null).map(r -> r.cidr().toString()).toList());
        assertEquals("example.org", p.rules().get(4).domain());
    }

    @Test
    void errorsNameFileLineAndField() {
        assertEquals(F + ":5:13: network_policy.rules[1].cidr: \"10.0.0.0/33\": the prefix length must be 0 to 32,"
                + " expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or fd00::/8", error("""
                network_policy:
                  rules:
                    - cidr: 10.0.0.0/8
                      policy: deny
                    - cidr: 10.0.0.0/33
                      policy: deny
                """));
        assertEquals(F + ":2:14: network_policy.cidr_mode: \"block\" is not a mode, expected bypass, alert, enforce"
                + " or both", error("network_policy:\n  cidr_mode: block\n"));
        assertEquals(F + ":2:19: network_policy.resolve_policy: \"maybe\" is not a policy, expected allow or deny",
                error("network_policy:\n  resolve_policy: maybe\n"));
        assertEquals(F + ":5:7: network_policy.rules[2]: duplicate rule: cidr 10.0.0.0/8 is already ruled at line 3",
                error("network_policy:\n  rules:\n    - {cidr: 10.0.0.0/8, policy: deny}\n"
                        + "    - {cidr: 10.0.0.0/8, policy: allow}\n    - {cidr: 10.0.0.1/8, policy: allow}\n"
                        .replace("    - {cidr: 10.0.0.0/8, policy: allow}\n", "    - {domain: a.b, policy: allow}\n")));
        assertEquals(F + ":4:7: network_policy.rules[1]: duplicate rule: domain a.b is already ruled at line 3",
                error("network_policy:\n  rules:\n    - {domain: a.b, policy: deny}\n    - {domain: A.B., policy: deny}\n"));
        assertEquals(F + ":3:7: network_policy.rules[0].policy: missing: allow or deny",
                error("network_policy:\n  rules:\n    - {cidr: 10.0.0.0/8}\n"));
        assertEquals(F + ":3:7: network_policy.rules[0]: a rule has either a cidr or a domain, not both",
                error("network_policy:\n  rules:\n    - {cidr: 10.0.0.0/8, domain: a.b, policy: deny}\n"));
        assertEquals(F + ":3:16: network_policy.rules[0].domain: \"a..b\" is not a domain name, expected a name such"
                + " as example.com", error("network_policy:\n  rules:\n    - {domain: a..b, policy: deny}\n"));
        assertEquals(F + ":2:3: network_policy.cidr: unknown key, expected one of cidr_mode, cidr_policy,"
                + " resolve_mode, resolve_policy, rules", error("network_policy:\n  cidr: 1.2.3.4\n"));
        assertEquals(F + ":1:1: network_policy: missing; a policy file is a mapping with the key network_policy",
                error("# nothing\n"));
        assertTrue(error("network_policy:\n  rules: [\n").startsWith(F + ":3:1: not valid YAML"),
                error("network_policy:\n  rules: [\n"));
        assertEquals(F + ":2:10: network_policy.rules: must be a list of rules (each '- cidr: ...' or '- domain:"
                + " ...' with a policy)", error("network_policy:\n  rules: 10.0.0.0/8\n"));
    }

    @Test
    void cidrsParseAndFormat() {
        assertEquals("0.0.0.0/0", Cidr.parse("0.0.0.0/0").toString());
        assertEquals("::/0", Cidr.parse("::/0").toString());
        assertEquals("2001:db8::/32", Cidr.parse("2001:0db8:ffff::1/32").toString());
        assertEquals("::ffff:10.0.0.1/128", Cidr.parse("::ffff:10.0.0.1").toString().replace("::ffff:a00:1",
                "::ffff:10.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("256.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/-1"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::1/129"));
        assertTrue(Cidr.parse("10.0.0.0/8").contains(new byte[] { 10, 9, 8, 7 }));
    }
}
