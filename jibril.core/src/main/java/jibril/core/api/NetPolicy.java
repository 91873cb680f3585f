package jibril.core.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The network policy enforced in the kernel (jibril.netpolicy), for other bundles: reactions block an address or
 * a domain that a detection named. Blocks made here come on top of the policy file's rules and survive its
 * reloads; they are enforced in the kernel like the rules are.
 */
@ProviderType
public interface NetPolicy {

    /**
     * Denies an address or network.
     *
     * @param cidr  an IPv4 or IPv6 address or CIDR
     * @param until how long, or {@code null} until {@link #unblockAddress}
     * @return true when it is blocked now, false when it already was
     * @throws IllegalArgumentException when cidr is not an address or CIDR
     */
    boolean blockAddress(String cidr, Duration until);

    /** Lifts a block made by {@link #blockAddress}; false when there was none. */
    boolean unblockAddress(String cidr);

    /**
     * Denies a domain and its sub-domains: its resolutions are dropped (when the policy's resolve mode enforces)
     * and the addresses it resolves to are blocked.
     *
     * @return true when it is blocked now, false when it already was
     * @throws IllegalArgumentException when the name is not a domain name
     */
    boolean blockDomain(String domain, Duration until);

    /** Lifts a block made by {@link #blockDomain}; false when there was none. */
    boolean unblockDomain(String domain);

    /** The rules in force (file rules and blocks made here), each with its hit counter. */
    List<Map<String, Object>> rules();
}
