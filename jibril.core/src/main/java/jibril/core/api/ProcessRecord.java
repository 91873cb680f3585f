package jibril.core.api;

import java.util.List;

/**
 * A process as Jibril's data layer knows it: what the kernel recorded in the tasks map, resolved.
 *
 * @param key       the task key (stable across restarts: tgid and start time)
 * @param parentKey the task key of the parent
 * @param pid       process id (thread group id)
 * @param ppid      parent's process id
 * @param uid       real user id
 * @param gid       real group id
 * @param comm      the kernel's short name
 * @param exe       absolute path of the executable (empty when unknown)
 * @param argv      the argument vector (empty when unknown)
 * @param startNs   start time, nanoseconds since the epoch
 * @param execNs    last exec, nanoseconds since the epoch (0 when it did not exec while watched)
 * @param exitNs    exit time, nanoseconds since the epoch (0 while it runs)
 * @param exitCode  the wait status at exit (0 while it runs)
 * @param execSeq   the generation of its last exec (0: never execed while watched)
 * @param place     who and where it runs: user and group names, cgroup, container, host name, namespaces
 */
public record ProcessRecord(long key, long parentKey, long pid, long ppid, long uid, long gid, String comm, String exe,
        List<String> argv, long startNs, long execNs, long exitNs, int exitCode, long execSeq, Place place) {

    /**
     * Who and where a process runs.
     *
     * @param user        the user name of uid (empty when the host does not name it)
     * @param group       the group name of gid (empty when the host does not name it)
     * @param previousExe the image the process ran before its last exec (empty when not known)
     * @param cgroup      the cgroup v2 path, relative to the hierarchy's root (empty when not known)
     * @param containerId the container id the cgroup path names (docker, containerd, cri-o, podman), or empty
     * @param hostname    the host name of its UTS namespace
     * @param namespaces  namespace inode numbers by name: mnt, pid, net, uts, ipc, user, cgroup
     */
    public record Place(String user, String group, String previousExe, String cgroup, String containerId,
            String hostname, java.util.Map<String, Long> namespaces) {

        /** Nothing known. */
        public static final Place UNKNOWN = new Place("", "", "", "", "", "", java.util.Map.of());
    }

    /** The whole command line, arguments joined by spaces. */
    public String cmd() {
        return String.join(" ", argv);
    }

    /** The arguments after argv[0], joined by spaces. */
    public String args() {
        return argv.size() > 1 ? String.join(" ", argv.subList(1, argv.size())) : "";
    }

    /** Whether the process has exited. */
    public boolean exited() {
        return exitNs != 0;
    }

    /** Shell-style return code: the exit code, or 128 + the signal that killed it; 0 while it runs. */
    public int retcode() {
        if (!exited()) {
            return 0;
        }
        int signal = exitCode & 0x7f;
        return signal == 0 ? (exitCode >> 8) & 0xff : 128 + signal;
    }
}
