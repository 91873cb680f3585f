package jibril.netpolicy.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every source of rules, and the CIDR rules they make together: the policy file's CIDR rules; blocks made through
 * the {@code NetPolicy} service or {@code jibril:netpolicy} (with an optional expiry), which win over the file for
 * the same network; and host routes learnt from DNS answers for names a domain rule covers (deny wins when names
 * disagree). Pure and not thread-safe: the owner serialises calls.
 */
final class RuleBook {

    /** An address or domain blocked through the API, until {@code untilMillis} (0: until unblocked). */
    record Block(long untilMillis) {
    }

    private Policy policy = Policy.NONE;
    private final Map<Cidr, Block> addressBlocks = new LinkedHashMap<>();
    private final Map<String, Block> domainBlocks = new LinkedHashMap<>();
    /** Addresses learnt from answers, with the names (query names and CNAMEs) that resolved to them. */
    private final Map<Cidr, Set<String>> learnt = new HashMap<>();
    /** At most this many learnt addresses are kept (oldest forgotten first). */
    static final int MAX_LEARNT = 65_536;
    private final java.util.ArrayDeque<Cidr> learntOrder = new java.util.ArrayDeque<>();

    Policy policy() {
        return policy;
    }

    void setPolicy(Policy p) {
        policy = p;
    }

    boolean blockAddress(Cidr c, long untilMillis) {
        return addressBlocks.put(c, new Block(untilMillis)) == null;
    }

    boolean unblockAddress(Cidr c) {
        return addressBlocks.remove(c) != null;
    }

    boolean blockDomain(String d, long untilMillis) {
        return domainBlocks.put(d, new Block(untilMillis)) == null;
    }

    boolean unblockDomain(String d) {
        return domainBlocks.remove(d) != null;
    }

    Map<Cidr, Block> addressBlocks() {
        return Map.copyOf(addressBlocks);
    }

    Map<String, Block> domainBlocks() {
        return Map.copyOf(domainBlocks);
    }

    /** Drops the blocks whose time is over; true when any was. */
    boolean expire(long nowMillis) {
        boolean a = addressBlocks.values().removeIf(b -> b.untilMillis() != 0 && b.untilMillis() <= nowMillis);
        boolean d = domainBlocks.values().removeIf(b -> b.untilMillis() != 0 && b.untilMillis() <= nowMillis);
        return a || d;
    }

    /**
     * The verdict of the domain rules on a name: the most specific rule covering it (a block made through the
     * API counts as a deny rule and wins over the file's rule for the same domain), or null when none covers it.
     *
     * @return the action and the covering domain, or null
     */
    Map.Entry<Policy.Action, String> domainVerdict(String name) {
        String best = null;
        Policy.Action action = null;
        for (Policy.Rule r : policy.rules()) {
            if (r.domain() != null && r.covers(name) && (best == null || r.domain().length() > best.length())) {
                best = r.domain();
                action = r.action();
            }
        }
        for (String d : domainBlocks.keySet()) {
            if (Domains.covers(d, name) && (best == null || d.length() >= best.length())) {
                best = d;
                action = Policy.Action.DENY;
            }
        }
        return best == null ? null : Map.entry(action, best);
    }

    /** Whether any domain rule or block exists (otherwise answers need not be looked at). */
    boolean hasDomainRules() {
        return !domainBlocks.isEmpty() || policy.rules().stream().anyMatch(r -> r.domain() != null);
    }

    /**
     * Records that {@code names} resolved to {@code address}; true when a domain rule covers one of them (the
     * address then has a host rule in {@link #effective()}).
     */
    boolean learn(Cidr address, List<String> names) {
        boolean ruled = names.stream().anyMatch(n -> domainVerdict(n) != null);
        if (!ruled) {
            return false;
        }
        Set<String> known = learnt.get(address);
        if (known == null) {
            if (learnt.size() >= MAX_LEARNT) {
                learnt.remove(learntOrder.poll());
            }
            known = new TreeSet<>();
            learnt.put(address, known);
            learntOrder.add(address);
        }
        known.addAll(names);
        return true;
    }

    /** The names an address was learnt from (empty when none). */
    Set<String> namesOf(byte[] address) {
        Set<String> n = learnt.get(Cidr.host(address));
        return n == null ? Set.of() : Set.copyOf(n);
    }

    /** The CIDR rules of every source together, and where each comes from. */
    Map<Cidr, Source> effective() {
        Map<Cidr, Source> out = new TreeMap<>();
        for (Policy.Rule r : policy.rules()) {
            if (r.cidr() != null) {
                out.put(r.cidr(), new Source(r.action(), "file line " + r.line(), null));
            }
        }
        for (Map.Entry<Cidr, Set<String>> e : learnt.entrySet()) {
            Policy.Action verdict = null;
            String why = null;
            for (String n : e.getValue()) {
                Map.Entry<Policy.Action, String> v = domainVerdict(n);
                if (v != null && (verdict == null || v.getKey() == Policy.Action.DENY)) {
                    verdict = v.getKey();
                    why = v.getValue();
                }
            }
            if (verdict != null && !out.containsKey(e.getKey())) {
                out.put(e.getKey(), new Source(verdict, "domain " + why, List.copyOf(e.getValue())));
            }
        }
        for (Map.Entry<Cidr, Block> e : addressBlocks.entrySet()) {
            out.put(e.getKey(), new Source(Policy.Action.DENY, e.getValue().untilMillis() == 0 ? "block"
                    : "block until " + java.time.Instant.ofEpochMilli(e.getValue().untilMillis()), null));
        }
        return out;
    }

    /** The domain rules for the kernel's name maps: the file's, and blocks made through the API (which win). */
    Map<String, Policy.Action> nameRules() {
        Map<String, Policy.Action> out = new HashMap<>();
        for (Policy.Rule r : policy.rules()) {
            if (r.domain() != null) {
                out.put(r.domain(), r.action());
            }
        }
        domainBlocks.keySet().forEach(d -> out.put(d, Policy.Action.DENY));
        return out;
    }

    /** Only the actions of {@link #effective()}. */
    Map<Cidr, Policy.Action> actions() {
        Map<Cidr, Policy.Action> out = new HashMap<>();
        effective().forEach((c, s) -> out.put(c, s.action()));
        return out;
    }

    /**
     * Where an effective rule comes from.
     *
     * @param action allow or deny
     * @param origin {@code file line N}, {@code block}, {@code domain D}
     * @param names  for addresses learnt from answers, the names that resolved to it; else null
     */
    record Source(Policy.Action action, String origin, List<String> names) {
    }

    static List<String> sorted(Set<String> s) {
        return new ArrayList<>(new TreeSet<>(s));
    }
}
