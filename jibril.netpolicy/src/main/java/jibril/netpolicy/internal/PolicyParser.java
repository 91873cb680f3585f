package jibril.netpolicy.internal;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a policy file: {@code network_policy{cidr_mode, cidr_policy, resolve_mode, resolve_policy,
 * rules[{cidr|domain, policy}]}}. Modes are bypass, alert, enforce or both (default bypass); policies allow or deny
 * (default allow). Anything wrong is a {@link PolicyException} whose message is
 * {@code file:line:column: field: what was found, what was expected}. Pure.
 */
final class PolicyParser {

    static final int MAX_FILE_CHARS = 64 << 20;
    private static final Set<String> TOP = Set.of("cidr_mode", "cidr_policy", "resolve_mode", "resolve_policy",
            "rules");

    private PolicyParser() {
    }

    /** A policy file that cannot be used, with where and why. */
    static final class PolicyException extends Exception {
        private static final long serialVersionUID = 1L;

        PolicyException(String message) {
            super(message, null, false, false);
        }
    }

    static Policy parse(String file, String text) throws PolicyException {
        if (text.length() > MAX_FILE_CHARS) {
            throw new PolicyException(file + ": file too large (" + text.length() + " characters)");
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setCodePointLimit(MAX_FILE_CHARS);
        options.setNestingDepthLimit(20);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new PolicyException(file + ":" + (m == null ? "0:0" : (m.getLine() + 1) + ":" + (m.getColumn() + 1))
                    + ": not valid YAML: " + (e.getProblem() != null ? e.getProblem() : e.getMessage()));
        } catch (YAMLException e) {
            throw new PolicyException(file + ": not valid YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new PolicyException(file + ":1:1: network_policy: missing; a policy file is a mapping with the key"
                    + " network_policy");
        }
        Map<String, NodeTuple> top = mapping(file, root, "(top)");
        NodeTuple np = top.get("network_policy");
        for (String k : top.keySet()) {
            if (!k.equals("network_policy")) {
                throw error(file, top.get(k).getKeyNode(), k, "unknown key, expected network_policy");
            }
        }
        if (np == null) {
            throw error(file, root, "network_policy", "missing; a policy file is a mapping with the key"
                    + " network_policy");
        }
        Map<String, NodeTuple> fields = mapping(file, np.getValueNode(), "network_policy");
        for (Map.Entry<String, NodeTuple> e : fields.entrySet()) {
            if (!TOP.contains(e.getKey())) {
                throw error(file, e.getValue().getKeyNode(), "network_policy." + e.getKey(),
                        "unknown key, expected one of cidr_mode, cidr_policy, resolve_mode, resolve_policy, rules");
            }
        }
        Policy.Mode cidrMode = mode(file, fields.get("cidr_mode"), "network_policy.cidr_mode");
        Policy.Action cidrPolicy = action(file, fields.get("cidr_policy"), "network_policy.cidr_policy");
        Policy.Mode resolveMode = mode(file, fields.get("resolve_mode"), "network_policy.resolve_mode");
        Policy.Action resolvePolicy = action(file, fields.get("resolve_policy"), "network_policy.resolve_policy");
        List<Policy.Rule> rules = new ArrayList<>();
        NodeTuple rt = fields.get("rules");
        if (rt != null && !isNull(rt.getValueNode())) {
            if (!(rt.getValueNode() instanceof SequenceNode seq)) {
                throw error(file, rt.getValueNode(), "network_policy.rules",
                        "must be a list of rules (each '- cidr: ...' or '- domain: ...' with a policy)");
            }
            Map<Object, Integer> seen = new HashMap<>();
            int i = 0;
            for (Node n : seq.getValue()) {
                String where = "network_policy.rules[" + i + "]";
                Policy.Rule rule = rule(file, n, where);
                Object key = rule.cidr() != null ? rule.cidr() : rule.domain();
                Integer first = seen.putIfAbsent(key, rule.line());
                if (first != null) {
                    throw error(file, n, where, "duplicate rule: " + (rule.cidr() != null ? "cidr " + rule.cidr()
                            : "domain " + rule.domain()) + " is already ruled at line " + first);
                }
                rules.add(rule);
                i++;
            }
        }
        return new Policy(cidrMode, cidrPolicy, resolveMode, resolvePolicy, rules);
    }

    private static Policy.Rule rule(String file, Node n, String where) throws PolicyException {
        Map<String, NodeTuple> f = mapping(file, n, where);
        for (Map.Entry<String, NodeTuple> e : f.entrySet()) {
            if (!Set.of("cidr", "domain", "policy").contains(e.getKey())) {
                throw error(file, e.getValue().getKeyNode(), where + "." + e.getKey(),
                        "unknown key, expected cidr or domain, and policy");
            }
        }
        NodeTuple cidr = f.get("cidr");
        NodeTuple domain = f.get("domain");
        if ((cidr == null) == (domain == null)) {
            throw error(file, n, where, cidr == null ? "a rule needs a cidr or a domain"
                    : "a rule has either a cidr or a domain, not both");
        }
        NodeTuple policy = f.get("policy");
        if (policy == null) {
            throw error(file, n, where + ".policy", "missing: allow or deny");
        }
        Policy.Action action = action(file, policy, where + ".policy");
        int line = n.getStartMark().getLine() + 1;
        try {
            if (cidr != null) {
                return new Policy.Rule(Cidr.parse(scalar(file, cidr.getValueNode(), where + ".cidr")), null, action,
                        line);
            }
            return new Policy.Rule(null, Domains.normalize(scalar(file, domain.getValueNode(), where + ".domain")),
                    action, line);
        } catch (IllegalArgumentException e) {
            NodeTuple t = cidr != null ? cidr : domain;
            throw error(file, t.getValueNode(), where + (cidr != null ? ".cidr" : ".domain"), e.getMessage()
                    + (cidr != null ? ", expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or fd00::/8"
                            : ", expected a name such as example.com"));
        }
    }

    private static Policy.Mode mode(String file, NodeTuple t, String field) throws PolicyException {
        if (t == null) {
            return Policy.Mode.BYPASS;
        }
        String v = scalar(file, t.getValueNode(), field).strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "bypass" -> Policy.Mode.BYPASS;
            case "alert" -> Policy.Mode.ALERT;
            case "enforce" -> Policy.Mode.ENFORCE;
            case "both" -> Policy.Mode.BOTH;
            default -> throw error(file, t.getValueNode(), field, "\"" + v
                    + "\" is not a mode, expected bypass, alert, enforce or both");
        };
    }

    private static Policy.Action action(String file, NodeTuple t, String field) throws PolicyException {
        if (t == null) {
            return Policy.Action.ALLOW;
        }
        String v = scalar(file, t.getValueNode(), field).strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "allow" -> Policy.Action.ALLOW;
            case "deny" -> Policy.Action.DENY;
            default -> throw error(file, t.getValueNode(), field, "\"" + v
                    + "\" is not a policy, expected allow or deny");
        };
    }

    private static String scalar(String file, Node n, String field) throws PolicyException {
        if (!(n instanceof ScalarNode s) || isNull(n)) {
            throw error(file, n, field, "must be a text value");
        }
        return s.getValue();
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && n.getTag().getValue().endsWith(":null");
    }

    private static Map<String, NodeTuple> mapping(String file, Node n, String field) throws PolicyException {
        if (!(n instanceof MappingNode m)) {
            throw error(file, n, field, "must be a mapping of keys to values");
        }
        Map<String, NodeTuple> out = new java.util.LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw error(file, t.getKeyNode(), field, "keys must be plain names");
            }
            out.put(k.getValue(), t);
        }
        return out;
    }

    private static PolicyException error(String file, Node n, String field, String reason) {
        Mark m = n.getStartMark();
        return new PolicyException(file + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1) + ": " + field + ": "
                + reason);
    }
}
