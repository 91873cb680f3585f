package jibril.reactions.internal;

import java.util.Optional;

/**
 * Which pids a reaction may kill: none below the floor (init, kernel threads, early system daemons), not Jibril
 * itself and not any of its ancestors (killing the service manager's child or the shell that runs Jibril would
 * take Jibril down).
 */
final class KillGuard {

    private final long floor;
    private final Libc libc;

    KillGuard(long floor, Libc libc) {
        this.floor = floor;
        this.libc = libc;
    }

    /** Why pid may not be killed, or null when it may. */
    String refuses(long pid) {
        if (pid < floor) {
            return "pid " + pid + " is below the floor " + floor;
        }
        ProcessHandle self = ProcessHandle.current();
        if (pid == self.pid()) {
            return "pid " + pid + " is Jibril itself";
        }
        for (Optional<ProcessHandle> p = self.parent(); p.isPresent(); p = p.get().parent()) {
            if (p.get().pid() == pid) {
                return "pid " + pid + " is an ancestor of Jibril";
            }
            if (p.get().pid() <= 1) {
                break;
            }
        }
        return null;
    }

    /** SIGKILL: 0, or the errno. */
    int kill(long pid) {
        return libc.kill(pid, Libc.SIGKILL);
    }
}
