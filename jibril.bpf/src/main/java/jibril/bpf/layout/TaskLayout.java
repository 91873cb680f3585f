package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct task}: the value of the tasks map (key: the u64 task key, see {@link Keys#taskKey}). */
public final class TaskLayout {

	private TaskLayout() {
	}

	/** sizeof(struct task). */
	public static final int SIZE = 104;
	/** COMM_LEN: bytes of comm, NUL-terminated unless full. */
	public static final int COMM_LEN = 16;

	/** Offset of {@code __u64 key}. */
	public static final int OFF_KEY = 0;
	/** Offset of {@code __u64 parent_key}. */
	public static final int OFF_PARENT_KEY = 8;
	/** Offset of {@code __u64 start_ns}. */
	public static final int OFF_START_NS = 16;
	/** Offset of {@code __u64 exec_ns}. */
	public static final int OFF_EXEC_NS = 24;
	/** Offset of {@code __u64 exit_ns}. */
	public static final int OFF_EXIT_NS = 32;
	/** Offset of {@code __u64 exe_key}. */
	public static final int OFF_EXE_KEY = 40;
	/** Offset of {@code __u64 args_key}. */
	public static final int OFF_ARGS_KEY = 48;
	/** Offset of {@code __u64 exec_seq}. */
	public static final int OFF_EXEC_SEQ = 56;
	/** Offset of {@code __u32 pid}. */
	public static final int OFF_PID = 64;
	/** Offset of {@code __u32 ppid}. */
	public static final int OFF_PPID = 68;
	/** Offset of {@code __u32 uid}. */
	public static final int OFF_UID = 72;
	/** Offset of {@code __u32 gid}. */
	public static final int OFF_GID = 76;
	/** Offset of {@code __s32 exit_code}. */
	public static final int OFF_EXIT_CODE = 80;
	/** Offset of {@code __u32 flags}. */
	public static final int OFF_FLAGS = 84;
	/** Offset of {@code char comm[COMM_LEN]}. */
	public static final int OFF_COMM = 88;

	/** TASK_EXECED: the entry was written by an exec, not only inherited at fork. */
	public static final int FLAG_EXECED = 1;
	/** TASK_EXITED: the process has exited. */
	public static final int FLAG_EXITED = 2;
	/** TASK_PATH_TRUNC: the executable's path was truncated. */
	public static final int FLAG_PATH_TRUNC = 4;
	/** TASK_ARGS_TRUNC: the argument vector was truncated. */
	public static final int FLAG_ARGS_TRUNC = 8;

	/**
	 * Decodes a struct task; the same as {@link Task#decode(ByteBuffer)}.
	 *
	 * @param b at least {@link #SIZE} bytes from its position
	 * @return the task
	 */
	public static Task decode(ByteBuffer b) {
		return Task.decode(b);
	}

	/**
	 * A decoded {@code struct task}.
	 *
	 * @param key own task key
	 * @param parentKey the real parent's task key at the last exec or fork
	 * @param startNs task start, CLOCK_BOOTTIME ns
	 * @param execNs last exec, CLOCK_BOOTTIME ns, 0 if never seen to exec
	 * @param exitNs exit, CLOCK_BOOTTIME ns, 0 while alive
	 * @param exeKey strings key of the executable's absolute path (0 if unknown)
	 * @param argsKey strings key of the NUL-separated argument vector (0 if unknown)
	 * @param execSeq global exec generation of the last exec
	 * @param pid the thread group id
	 * @param ppid the real parent's thread group id
	 * @param uid real uid
	 * @param gid real gid
	 * @param exitCode wait status, as waitpid reports it
	 * @param flags FLAG_* bits
	 * @param comm the task's comm
	 */
	public record Task(long key, long parentKey, long startNs, long execNs, long exitNs, long exeKey, long argsKey,
			long execSeq, int pid, int ppid, int uid, int gid, int exitCode, int flags, String comm) {

		/**
		 * Decodes a struct task starting at the buffer's position (read in native byte order whatever the
		 * buffer's order; the buffer is not modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the task
		 */
		public static Task decode(ByteBuffer b) {
			ByteBuffer t = b.duplicate().order(ByteOrder.nativeOrder());
			int p = t.position();
			return new Task(t.getLong(p + OFF_KEY), t.getLong(p + OFF_PARENT_KEY), t.getLong(p + OFF_START_NS),
					t.getLong(p + OFF_EXEC_NS), t.getLong(p + OFF_EXIT_NS), t.getLong(p + OFF_EXE_KEY),
					t.getLong(p + OFF_ARGS_KEY), t.getLong(p + OFF_EXEC_SEQ), t.getInt(p + OFF_PID),
					t.getInt(p + OFF_PPID), t.getInt(p + OFF_UID), t.getInt(p + OFF_GID), t.getInt(p + OFF_EXIT_CODE),
					t.getInt(p + OFF_FLAGS), StringLayout.cString(t, p + OFF_COMM, COMM_LEN));
		}

		/**
		 * Encodes this task as the kernel lays it out (for userland writers such as the procfs seeder).
		 *
		 * @return {@link #SIZE} bytes in native byte order
		 */
		public byte[] encode() {
			ByteBuffer t = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
			t.putLong(OFF_KEY, key).putLong(OFF_PARENT_KEY, parentKey).putLong(OFF_START_NS, startNs)
					.putLong(OFF_EXEC_NS, execNs).putLong(OFF_EXIT_NS, exitNs).putLong(OFF_EXE_KEY, exeKey)
					.putLong(OFF_ARGS_KEY, argsKey).putLong(OFF_EXEC_SEQ, execSeq).putInt(OFF_PID, pid)
					.putInt(OFF_PPID, ppid).putInt(OFF_UID, uid).putInt(OFF_GID, gid).putInt(OFF_EXIT_CODE, exitCode)
					.putInt(OFF_FLAGS, flags);
			byte[] c = comm.getBytes(java.nio.charset.StandardCharsets.UTF_8);
			t.put(OFF_COMM, c, 0, Math.min(c.length, COMM_LEN - 1));
			return t.array();
		}

		/**
		 * Whether a flag is set.
		 *
		 * @param flag one of the FLAG_* constants
		 * @return true when set
		 */
		public boolean has(int flag) {
			return (flags & flag) != 0;
		}
	}
}
