package jibril.netpolicy.internal;

import java.util.List;

import jibril.bpf.layout.NetPolicyLayout;

/**
 * A validated network policy, as the policy file declares it (DESIGN §5, the original product's
 * {@code netpolicy.yaml}).
 *
 * @param cidrMode      what happens to connections to denied networks
 * @param cidrPolicy    the verdict for addresses no CIDR rule covers
 * @param resolveMode   what happens to resolutions of denied domains
 * @param resolvePolicy the verdict for names no domain rule covers
 * @param rules         CIDR and domain rules, in file order
 */
record Policy(Mode cidrMode, Action cidrPolicy, Mode resolveMode, Action resolvePolicy, List<Rule> rules) {

    /** No policy: nothing checked. */
    static final Policy NONE = new Policy(Mode.BYPASS, Action.ALLOW, Mode.BYPASS, Action.ALLOW, List.of());

    Policy {
        rules = List.copyOf(rules);
    }

    /** What happens to traffic a rule denies. */
    enum Mode {
        /** nothing checked */
        BYPASS(NetPolicyLayout.MODE_BYPASS),
        /** reported, let through */
        ALERT(NetPolicyLayout.MODE_ALERT),
        /** refused */
        ENFORCE(NetPolicyLayout.MODE_ENFORCE),
        /** refused and reported */
        BOTH(NetPolicyLayout.MODE_BOTH);

        final int code;

        Mode(int code) {
            this.code = code;
        }

        boolean alerts() {
            return this == ALERT || this == BOTH;
        }

        boolean blocks() {
            return this == ENFORCE || this == BOTH;
        }

        String text() {
            return name().toLowerCase();
        }
    }

    /** A verdict. */
    enum Action {
        ALLOW(NetPolicyLayout.ALLOW), DENY(NetPolicyLayout.DENY);

        final int code;

        Action(int code) {
            this.code = code;
        }

        String text() {
            return name().toLowerCase();
        }
    }

    /**
     * One rule: a network ({@code cidr}) or a domain with its sub-domains ({@code domain}), exactly one of them.
     *
     * @param cidr   the network, or null
     * @param domain the domain in lower case without a trailing dot, or null
     * @param action allow or deny
     * @param line   where it was written (1-based), 0 when not from a file
     */
    record Rule(Cidr cidr, String domain, Action action, int line) {

        /** Whether this domain rule covers the name (the domain itself or a sub-domain). */
        boolean covers(String name) {
            return domain != null && Domains.covers(domain, name);
        }
    }
}
