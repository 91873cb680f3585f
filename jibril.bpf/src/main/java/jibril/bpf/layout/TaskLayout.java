package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct task}: the value of the tasks map (key: the u64 task key, see {@link Keys#taskKey}). */
public final class TaskLayout {

	private TaskLayout() {
	}

	/** sizeof(struct task). */
	public static final int SIZE = 160;
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
	/** Offset of {@code __u64 prev_exe_key}. */
	public static final int OFF_PREV_EXE_KEY = 104;
	/** Offset of {@code __u64 cgroup_id}. */
	public static final int OFF_CGROUP_ID = 112;
	/** Offset of {@code __u64 hostname_key}. */
	public static final int OFF_HOSTNAME_KEY = 120;
	/** Offset of {@code __u32 ns_mnt}. */
	public static final int OFF_NS_MNT = 128;
	/** Offset of {@code __u32 ns_pid}. */
	public static final int OFF_NS_PID = 132;
	/** Offset of {@code __u32 ns_net}. */
	public static final int OFF_NS_NET = 136;
	/** Offset of {@code __u32 ns_uts}. */
	public static final int OFF_NS_UTS = 140;
	/** Offset of {@code __u32 ns_ipc}. */
	public static final int OFF_NS_IPC = 144;
	/** Offset of {@code __u32 ns_user}. */
	public static final int OFF_NS_USER = 148;
	/** Offset of {@code __u32 ns_cgroup}. */
	public static final int OFF_NS_CGROUP = 152;
	/** Offset of {@code __u32 pad}. */
	public static final int OFF_PAD = 156;

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
	 * @param prevExeKey strings key of the image before the last exec (0 if not known)
	 * @param cgroupId cgroup v2 id (the cgroup directory's inode number)
	 * @param hostnameKey strings key of the UTS nodename
	 * @param ns namespace inode numbers: mnt, pid, net, uts, ipc, user, cgroup
	 */
	public record Task(long key, long parentKey, long startNs, long execNs, long exitNs, long exeKey, long argsKey,
			long execSeq, int pid, int ppid, int uid, int gid, int exitCode, int flags, String comm, long prevExeKey,
			long cgroupId, long hostnameKey, Namespaces ns) {

		/** A task with only its identity and image known (no place), as /proc seeding writes it. */
		public Task(long key, long parentKey, long startNs, long execNs, long exitNs, long exeKey, long argsKey,
				long execSeq, int pid, int ppid, int uid, int gid, int exitCode, int flags, String comm) {
			this(key, parentKey, startNs, execNs, exitNs, exeKey, argsKey, execSeq, pid, ppid, uid, gid, exitCode,
					flags, comm, 0, 0, 0, Namespaces.NONE);
		}

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
					t.getInt(p + OFF_FLAGS), StringLayout.cString(t, p + OFF_COMM, COMM_LEN),
					t.getLong(p + OFF_PREV_EXE_KEY), t.getLong(p + OFF_CGROUP_ID), t.getLong(p + OFF_HOSTNAME_KEY),
					new Namespaces(Integer.toUnsignedLong(t.getInt(p + OFF_NS_MNT)),
							Integer.toUnsignedLong(t.getInt(p + OFF_NS_PID)),
							Integer.toUnsignedLong(t.getInt(p + OFF_NS_NET)),
							Integer.toUnsignedLong(t.getInt(p + OFF_NS_UTS)),
							Integer.toUnsignedLong(t.getInt(p + OFF_NS_IPC)),
							Integer.toUnsignedLong(t.getInt(p + OFF_NS_USER)),
							Integer.toUnsignedLong(t.getInt(p + OFF_NS_CGROUP))));
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
			t.putLong(OFF_PREV_EXE_KEY, prevExeKey).putLong(OFF_CGROUP_ID, cgroupId).putLong(OFF_HOSTNAME_KEY, hostnameKey)
					.putInt(OFF_NS_MNT, (int) ns.mnt()).putInt(OFF_NS_PID, (int) ns.pid()).putInt(OFF_NS_NET, (int) ns.net())
					.putInt(OFF_NS_UTS, (int) ns.uts()).putInt(OFF_NS_IPC, (int) ns.ipc()).putInt(OFF_NS_USER, (int) ns.user())
					.putInt(OFF_NS_CGROUP, (int) ns.cgroup());
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

	/**
	 * The namespaces of a task, by inode number (0 when unknown).
	 *
	 * @param mnt mount
	 * @param pid pid
	 * @param net network
	 * @param uts UTS (host name)
	 * @param ipc IPC
	 * @param user user
	 * @param cgroup cgroup
	 */
	public record Namespaces(long mnt, long pid, long net, long uts, long ipc, long user, long cgroup) {
		/** Unknown. */
		public static final Namespaces NONE = new Namespaces(0, 0, 0, 0, 0, 0, 0);
	}
}
