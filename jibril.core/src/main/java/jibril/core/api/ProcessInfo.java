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
}
