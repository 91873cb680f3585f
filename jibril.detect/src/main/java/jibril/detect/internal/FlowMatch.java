package jibril.detect.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jibril.core.api.FlowRecord;
import jibril.core.api.RecipeType.RecipeException;

/**
 * What network recipes share: {@code flow_actions} (with {@code flow_actions_how}), {@code protocol},
 * {@code remote_cidrs}/{@code local_cidrs} and {@code remote_ports}/{@code local_ports}.
 */
final class FlowMatch {

    static final List<String> ACTIONS = List.of("created", "ingress", "egress", "incoming", "outgoing", "ongoing",
            "started", "terminator", "terminated");
    static final Set<String> FIELDS = Set.of("flow_actions", "flow_actions_how", "protocol", "remote_cidrs",
            "local_cidrs", "remote_ports", "local_ports");

    private final Set<String> actions;
    private final boolean all;
    private final String protocol;
    private final List<Cidr> remoteCidrs = new ArrayList<>();
    private final List<Cidr> localCidrs = new ArrayList<>();
    private final Set<Integer> remotePorts = new java.util.HashSet<>();
    private final Set<Integer> localPorts = new java.util.HashSet<>();

    private FlowMatch(Set<String> actions, boolean all, String protocol) {
        this.actions = actions;
        this.all = all;
        this.protocol = protocol;
    }

    static FlowMatch compile(Map<String, Object> recipe) throws RecipeException {
        Set<String> actions = new LinkedHashSet<>();
        List<String> names = Fields.texts(recipe, "flow_actions");
        for (int i = 0; i < names.size(); i++) {
            String a = names.get(i).strip().toLowerCase(java.util.Locale.ROOT);
            if (!ACTIONS.contains(a) && !a.equals("any")) {
                throw new RecipeException("flow_actions[" + i + "]", "unknown flow action '" + names.get(i)
                        + "' (one of " + String.join(", ", ACTIONS) + ")");
            }
            if (!a.equals("any")) {
                actions.add(a);
            }
        }
        boolean all = Fields.oneOf(recipe, "flow_actions_how", "any", "any", "all").equals("all");
        String protocol = Fields.oneOf(recipe, "protocol", null, "tcp", "udp", "icmp", "any");
        FlowMatch m = new FlowMatch(actions, all, "any".equals(protocol) ? null : protocol);
        cidrs(recipe, "remote_cidrs", m.remoteCidrs);
        cidrs(recipe, "local_cidrs", m.localCidrs);
        ports(recipe, "remote_ports", m.remotePorts);
        ports(recipe, "local_ports", m.localPorts);
        return m;
    }

    private static void cidrs(Map<String, Object> recipe, String field, List<Cidr> out) throws RecipeException {
        List<String> texts = Fields.texts(recipe, field);
        for (int i = 0; i < texts.size(); i++) {
            out.add(Fields.cidr(field + "[" + i + "]", texts.get(i)));
        }
    }

    private static void ports(Map<String, Object> recipe, String field, Set<Integer> out) throws RecipeException {
        List<String> texts = Fields.texts(recipe, field);
        for (int i = 0; i < texts.size(); i++) {
            out.add(Fields.port(field + "[" + i + "]", texts.get(i)));
        }
    }

    boolean hasRemoteCidrs() {
        return !remoteCidrs.isEmpty();
    }

    /** Whether the flow fits the actions, protocol, addresses and ports. */
    boolean matches(FlowRecord f) {
        if (protocol != null && !protocol.equals(f.proto())) {
            return false;
        }
        if (!actions.isEmpty()) {
            Map<String, Boolean> flags = flags(f);
            boolean fits = all;
            for (String a : actions) {
                boolean has = flags.getOrDefault(a, false);
                if (all && !has) {
                    fits = false;
                    break;
                }
                if (!all && has) {
                    fits = true;
                    break;
                }
            }
            if (!fits) {
                return false;
            }
        }
        if (!remotePorts.isEmpty() && !remotePorts.contains(f.remotePort())) {
            return false;
        }
        if (!localPorts.isEmpty() && !localPorts.contains(f.localPort())) {
            return false;
        }
        return in(remoteCidrs, f.remoteAddress()) && in(localCidrs, f.localAddress());
    }

    private static boolean in(List<Cidr> cidrs, String address) {
        if (cidrs.isEmpty()) {
            return true;
        }
        byte[] a;
        try {
            a = java.net.InetAddress.getByName(address).getAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
        for (Cidr c : cidrs) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** The flow actions of the original product, from what the kernel recorded. */
    static Map<String, Boolean> flags(FlowRecord f) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        boolean started = f.actions().contains("connect") || f.actions().contains("accept");
        m.put("created", true);
        m.put("ingress", f.bytesIn() > 0 || f.actions().contains("recv") || f.actions().contains("accept"));
        m.put("egress", f.bytesOut() > 0 || f.actions().contains("send") || f.actions().contains("connect"));
        m.put("incoming", "remote".equals(f.initiator()));
        m.put("outgoing", "local".equals(f.initiator()));
        m.put("ongoing", f.endedBy() == null || f.endedBy().isEmpty());
        m.put("started", started);
        m.put("terminator", "local".equals(f.endedBy()));
        m.put("terminated", f.endedBy() != null && !f.endedBy().isEmpty());
        return m;
    }
}
