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
 * @param background context: the process's ancestry
 * @param scenarios  where it happened: the host
 */
public record Event(String uuid, String timestamp, String note, Metadata metadata, Score score,
        ProcessInfo process, Background background, Scenarios scenarios) {

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
     */
    public record Background(java.util.List<ProcessInfo> ancestry) {
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
    }
}
