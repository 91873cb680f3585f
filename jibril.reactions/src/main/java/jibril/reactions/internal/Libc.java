package jibril.reactions.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls Java lacks: signalling a pid or a whole process group. */
final class Libc {

    static final int SIGKILL = 9;
    static final int ESRCH = 3;
    static final int EPERM = 1;

    interface C extends Library {
        int kill(int pid, int sig);
    }

    private final C c = Native.load("c", C.class);

    /** kill(2): 0, or the errno. */
    int kill(long pid, int sig) {
        int rc = c.kill((int) pid, sig);
        return rc == 0 ? 0 : Native.getLastError();
    }

    /** kill(-pgid): 0, or the errno ({@link #ESRCH} once the group is empty). */
    int killGroup(long pgid, int sig) {
        return kill(-pgid, sig);
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM: operation not permitted";
            case ESRCH -> "ESRCH: no such process";
            default -> "errno " + errno;
        };
    }
}
