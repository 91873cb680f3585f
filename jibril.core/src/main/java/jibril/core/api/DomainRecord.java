package jibril.core.api;

import java.util.List;

/**
 * A name resolved on the host.
 *
 * @param name      the name asked for
 * @param cnames    the canonical-name chain the answer went through, in order
 * @param addresses the addresses it resolved to
 * @param firstNs   first resolution seen, nanoseconds since the epoch
 * @param lastNs    last resolution seen, nanoseconds since the epoch
 */
public record DomainRecord(String name, List<String> cnames, List<String> addresses, long firstNs, long lastNs) {
}
