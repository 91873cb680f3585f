package jibril.core.api;

import java.util.List;

/**
 * A network flow of one process: the kernel's flow and task_flow entries, resolved.
 *
 * @param process       the process (null when the flow was seen on the wire before any process touched it)
 * @param proto         tcp, udp or icmp
 * @param ipVersion     4 or 6
 * @param localAddress  local address
 * @param localPort     local port (0 for icmp)
 * @param remoteAddress remote address
 * @param remotePort    remote port (0 for icmp)
 * @param remoteNames   the names the remote address was resolved from on this host, CNAME chain included
 * @param initiator     who opened it: local or remote
 * @param state         the last TCP state seen, or empty
 * @param endedBy       who ended it: local, remote, or empty while open
 * @param actions       what the process did: connect, accept, send, recv, close
 * @param bytesIn       bytes received
 * @param bytesOut      bytes sent
 * @param packetsIn     packets received
 * @param packetsOut    packets sent
 * @param firstNs       first seen, nanoseconds since the epoch
 * @param lastNs        last seen, nanoseconds since the epoch
 */
public record FlowRecord(ProcessRecord process, String proto, int ipVersion, String localAddress, int localPort,
        String remoteAddress, int remotePort, List<String> remoteNames, String initiator, String state, String endedBy,
        List<String> actions, long bytesIn, long bytesOut, long packetsIn, long packetsOut, long firstNs, long lastNs) {
}
