package jibril.core.api;

/**
 * A process as events describe it.
 *
 * @param start   start time, RFC 3339
 * @param exit    exit time, RFC 3339, empty while it runs
 * @param retcode exit code (or 128 + signal), 0 while it runs
 * @param uid     real user id
 * @param pid     process id (thread group id)
 * @param ppid    parent's process id
 * @param comm    the kernel's short name of the task
 * @param cmd     the whole command line, arguments joined by spaces
 * @param exe     absolute path of the executable
 * @param args    the arguments after argv[0], joined by spaces
 */
public record ProcessInfo(String start, String exit, int retcode, long uid, long pid, long ppid, String comm,
        String cmd, String exe, String args) {

    /** How events show a process the data layer knows. */
    public static ProcessInfo of(ProcessRecord p) {
        return new ProcessInfo(rfc3339(p.startNs()), p.exited() ? rfc3339(p.exitNs()) : "", p.retcode(), p.uid(),
                p.pid(), p.ppid(), p.comm(), p.cmd(), p.exe(), p.args());
    }

    /** Nanoseconds since the epoch as RFC 3339 text, UTC. */
    public static String rfc3339(long epochNanos) {
        return java.time.Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }
}
