package jibril.bpf.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import jibril.bpf.BpfException;

/** errno values the binding tests for, and their names and texts for error messages. */
public final class Errno {

	private Errno() {
	}

	public static final int EPERM = 1;
	public static final int ENOENT = 2;
	public static final int EINTR = 4;
	public static final int EIO = 5;
	public static final int E2BIG = 7;
	public static final int EBADF = 9;
	public static final int EAGAIN = 11;
	public static final int ENOMEM = 12;
	public static final int EACCES = 13;
	public static final int EBUSY = 16;
	public static final int EEXIST = 17;
	public static final int EINVAL = 22;
	public static final int ENOSPC = 28;
	public static final int EOPNOTSUPP = 95;
	/** Kernel-internal "operation not supported" that leaks out of the bpf() syscall. */
	public static final int ENOTSUPP = 524;

	private static final Map<Integer, String> NAMES = Map.ofEntries(Map.entry(EPERM, "EPERM"),
			Map.entry(ENOENT, "ENOENT"), Map.entry(3, "ESRCH"), Map.entry(EINTR, "EINTR"), Map.entry(EIO, "EIO"),
			Map.entry(E2BIG, "E2BIG"), Map.entry(EBADF, "EBADF"), Map.entry(EAGAIN, "EAGAIN"),
			Map.entry(ENOMEM, "ENOMEM"), Map.entry(EACCES, "EACCES"), Map.entry(14, "EFAULT"),
			Map.entry(EBUSY, "EBUSY"), Map.entry(EEXIST, "EEXIST"), Map.entry(19, "ENODEV"),
			Map.entry(20, "ENOTDIR"), Map.entry(EINVAL, "EINVAL"), Map.entry(24, "EMFILE"),
			Map.entry(ENOSPC, "ENOSPC"), Map.entry(34, "ERANGE"), Map.entry(38, "ENOSYS"), Map.entry(40, "ELOOP"),
			Map.entry(EOPNOTSUPP, "EOPNOTSUPP"), Map.entry(ENOTSUPP, "ENOTSUPP"));

	/** "E2BIG (Argument list too long)": the errno's name, when known, and libbpf's text for it. */
	public static String describe(int errno) {
		String text;
		if (errno == ENOTSUPP) {
			text = "Operation not supported by this kernel";
		} else {
			byte[] buf = new byte[128];
			Libs.bpf().libbpf_strerror(errno, buf, buf.length);
			int len = 0;
			while (len < buf.length && buf[len] != 0) {
				len++;
			}
			text = new String(buf, 0, len, StandardCharsets.UTF_8);
		}
		String name = NAMES.get(errno);
		return name == null ? text + " (errno " + errno + ")" : name + " (" + text + ")";
	}

	/** A {@link BpfException} "what: ENAME (text)" for a positive errno. */
	public static BpfException error(String what, int errno) {
		return new BpfException(what + ": " + describe(errno), errno);
	}

	/** {@code -rc} when {@code rc} is negative (libbpf 1.x returns {@code -errno}), else the thread's errno. */
	public static int of(int rc) {
		return rc < 0 ? -rc : Libs.lastError();
	}
}
