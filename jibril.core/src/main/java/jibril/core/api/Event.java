package jibril.core.api;

/**
 * One event, as printers write it: one JSON object per line. Component names are the JSON keys with
 * lower_case_with_underscores naming ({@code severityLevel} is written {@code severity_level}); {@code null}
 * parts are left out of the JSON.
 *
 * @param uuid       unique id of this event
 * @param timestamp  when the event was assembled, RFC 3339 with nanoseconds, UTC
 * @param note       free text, may be empty
 * @param metadata   what kind of event this is and what produced it
 * @param score      severity and confidence
 * @param process    the process the event is about
 * @param background context: the process's ancestry, its other files and flows
 * @param scenarios  where it happened: the host
 * @param file       the file a file-access detection is about, or null
 * @param flow       the flow a network detection is about, or null
 * @param attenuator the verdict of an attenuator, or null
 */
public record Event(String uuid, String timestamp, String note, Metadata metadata, Score score,
        ProcessInfo process, Background background, Scenarios scenarios, FileInfo file, FlowInfo flow,
        java.util.Map<String, Object> attenuator) {

    /** An event about a process only (no file, no flow, not attenuated). */
    public Event(String uuid, String timestamp, String note, Metadata metadata, Score score, ProcessInfo process,
            Background background, Scenarios scenarios) {
        this(uuid, timestamp, note, metadata, score, process, background, scenarios, null, null, null);
    }

    /** This event with an attenuator verdict. */
    public Event withAttenuator(java.util.Map<String, Object> verdict) {
        return new Event(uuid, timestamp, note, metadata, score, process, background, scenarios, file, flow, verdict);
    }

    /** This event with another score. */
    public Event withScore(Score newScore) {
        return new Event(uuid, timestamp, note, metadata, newScore, process, background, scenarios, file, flow,
                attenuator);
    }

    /**
     * The file of a file-access detection.
     *
     * @param file      absolute path
     * @param dir       its directory
     * @param basename  its name
     * @param actions   what the process did to it, in the original product's order
     * @param counts    how often each action was seen
     * @param type      file, dir, symlink, fifo, socket, char, block or unknown
     * @param mode      permission bits, octal text (e.g. {@code 0640})
     * @param uid       owner
     * @param gid       group
     * @param fs        file system type, empty when unknown
     * @param firstSeen first action, RFC 3339
     * @param lastSeen  last action, RFC 3339
     */
    public record FileInfo(String file, String dir, String basename, java.util.List<String> actions,
            java.util.Map<String, Long> counts, String type, String mode, long uid, long gid, String fs,
            String firstSeen, String lastSeen) {
    }

    /**
     * A network flow.
     *
     * @param ipVersion   4 or 6
     * @param proto       tcp, udp or icmp
     * @param local       this host's end
     * @param remote      the peer
     * @param servicePort the port of the side that accepted (the remote port when this host initiated)
     * @param actions     what the process did: connect, accept, send, recv, close
     * @param flags       ingress, egress, incoming, outgoing, started, ongoing, terminator, terminated
     * @param phase       bytes and packets each way, first and last seen
     */
    public record FlowInfo(int ipVersion, String proto, Node local, Node remote, int servicePort,
            java.util.List<String> actions, java.util.Map<String, Boolean> flags, java.util.Map<String, Object> phase) {
    }

    /**
     * One end of a flow.
     *
     * @param address the address
     * @param name    the first name it was resolved from, or empty
     * @param names   every name it was resolved from (CNAME chains included)
     * @param port    the port (0 for icmp)
     */
    public record Node(String address, String name, java.util.List<String> names, int port) {
    }

    /**
     * What produced the event.
     *
     * @param kind          the kind of recipe or source, e.g. {@code execution}, {@code file_access}
     * @param name          the recipe or event name, e.g. {@code exec}
     * @param format        the format of the producing recipe, e.g. {@code exec}
     * @param version       version of the recipe
     * @param description   one sentence
     * @param tactic        MITRE ATT&amp;CK tactic, may be empty
     * @param technique     MITRE ATT&amp;CK technique, may be empty
     * @param subtechnique  MITRE ATT&amp;CK sub-technique, may be empty
     * @param importance    none, low, medium, high or critical
     * @param documentation where to read more, may be empty
     */
    public record Metadata(String kind, String name, String format, String version, String description,
            String tactic, String technique, String subtechnique, String importance, String documentation) {
    }

    /**
     * Severity of the event.
     *
     * @param severity      0-100
     * @param severityLevel none, low, medium, high or critical
     * @param confidence    0.0-1.0
     * @param riskScore     severity weighted by confidence, 0-100
     */
    public record Score(int severity, String severityLevel, double confidence, double riskScore) {

        /** The score of an importance level as recipes declare it. */
        public static Score ofImportance(String importance) {
            int severity = switch (importance == null ? "" : importance) {
                case "critical" -> 90;
                case "high" -> 70;
                case "medium" -> 50;
                case "low" -> 20;
                default -> 0;
            };
            String level = severity == 0 ? "none" : importance;
            return new Score(severity, level, 1.0, severity);
        }
    }

    /**
     * Context of the event.
     *
     * @param ancestry the parent, grand-parent, … of the process, nearest first, as far as known
     * @param fileList other files the process touched lately (at most 8), or null
     * @param flowList other flows of the process lately (at most 8), or null
     */
    public record Background(java.util.List<ProcessInfo> ancestry, java.util.List<FileInfo> fileList,
            java.util.List<FlowInfo> flowList) {

        /** Only the ancestry. */
        public Background(java.util.List<ProcessInfo> ancestry) {
            this(ancestry, null, null);
        }
    }

    /**
     * Where the event happened.
     *
     * @param hostos the host
     */
    public record Scenarios(HostOs hostos) {
    }

    /**
     * The host.
     *
     * @param machineId contents of /etc/machine-id
     * @param hostname  host name
     * @param ip        first non-loopback address, may be empty
     * @param os        operating system pretty name
     * @param arch      CPU architecture
     */
    public record HostOs(String machineId, String hostname, String ip, String os, String arch) {

        /** Reads this host's facts (machine id, host name, first address, OS, architecture); callers cache it. */
        public static HostOs read() {
            return new HostOs(firstLine(java.nio.file.Path.of("/etc/machine-id")),
                    firstLine(java.nio.file.Path.of("/proc/sys/kernel/hostname")),
                    firstAddress(), prettyName(), cpuArch());
        }

        private static String firstLine(java.nio.file.Path file) {
            try {
                return java.nio.file.Files.readString(file).strip();
            } catch (java.io.IOException e) {
                return "";
            }
        }

        private static String prettyName() {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/os-release"))) {
                    if (line.startsWith("PRETTY_NAME=")) {
                        return line.substring("PRETTY_NAME=".length()).replace("\"", "");
                    }
                }
            } catch (java.io.IOException e) {
                // fall through
            }
            return System.getProperty("os.name");
        }

        private static String cpuArch() {
            String arch = System.getProperty("os.arch");
            return arch.equals("amd64") ? "x86_64" : arch.equals("aarch64") ? "arm64" : arch;
        }

        private static String firstAddress() {
            try {
                for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                    if (nif.isLoopback() || !nif.isUp()) {
                        continue;
                    }
                    for (java.net.InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                        if (a instanceof java.net.Inet4Address) {
                            return a.getHostAddress();
                        }
                    }
                }
            } catch (java.net.SocketException e) {
                // fall through
            }
            return "";
        }
    }
}
