package jibril.netpolicy.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo {@code jibril:netpolicy}: the rules in force with their hit counters, block and unblock an address or a
 * domain (optionally for a time), and remove enforcement.
 */
@Component(service = NetPolicyCommand.class, property = { "osgi.command.scope=jibril",
        "osgi.command.function=netpolicy" })
public class NetPolicyCommand {

    @Reference
    private NetPolicyService policy;

    @Descriptor("network policy: netpolicy [list] | block ADDRESS|CIDR|DOMAIN [DURATION] | unblock ADDRESS|CIDR|DOMAIN"
            + " | status | remove")
    public Object netpolicy(@Descriptor("list, status, block X [30s|10m|24h], unblock X, remove") String... argv)
            throws InterruptedException {
        String what = argv.length == 0 ? "list" : argv[0];
        switch (what) {
            case "list", "rules" -> {
                List<String> lines = new ArrayList<>();
                Map<String, Object> s = policy.status();
                lines.add("mode " + s.get("kernel_mode") + ", default " + s.get("kernel_default") + ", version "
                        + s.get("version") + ", generation " + s.get("generation") + ", state " + s.get("state"));
                for (Map<String, Object> r : policy.rules()) {
                    Object target = r.containsKey("cidr") ? r.get("cidr") : r.get("domain");
                    lines.add(String.format("%-5s %-40s hits=%-8s %s%s", r.get("policy"), target,
                            r.getOrDefault("hits", "-"), r.get("origin"),
                            r.containsKey("names") ? " " + r.get("names") : ""));
                }
                return String.join("\n", lines);
            }
            case "status" -> {
                return policy.status();
            }
            case "block", "unblock" -> {
                if (argv.length < 2 || argv.length > (what.equals("block") ? 3 : 2)) {
                    throw new IllegalArgumentException("usage: netpolicy " + what + " ADDRESS|CIDR|DOMAIN"
                            + (what.equals("block") ? " [DURATION]" : ""));
                }
                String target = argv[1];
                Duration d = argv.length == 3 ? Durations.parse(argv[2]) : null;
                boolean address = isAddress(target);
                boolean changed;
                if (what.equals("block")) {
                    changed = address ? policy.blockAddress(target, d) : policy.blockDomain(target, d);
                } else {
                    changed = address ? policy.unblockAddress(target) : policy.unblockDomain(target);
                }
                return (what.equals("block") ? (changed ? "blocked " : "already blocked ")
                        : (changed ? "unblocked " : "was not blocked ")) + target
                        + (d == null ? "" : " for " + argv[2]);
            }
            case "remove" -> {
                return policy.remove() ? "network policy removed: programs detached, pins deleted"
                        : "no network policy in the kernel";
            }
            default -> throw new IllegalArgumentException("unknown '" + what + "' (see: help jibril:netpolicy)");
        }
    }

    static boolean isAddress(String target) {
        try {
            Cidr.parse(target);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
