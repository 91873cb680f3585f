package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct taint}: the value of the guard's taints map, the record of one process's write or detach calls on
 * one of Jibril's objects with one bpf() command; its key is {@code struct taint_key} ({@link Key}).
 */
public final class TaintLayout {

	private TaintLayout() {
	}

	/** sizeof(struct taint). */
	public static final int SIZE = 72;

	/** Offset of {@code __u64 first_ns}. */
	public static final int OFF_FIRST_NS = 0;
	/** Offset of {@code __u64 last_ns}. */
	public static final int OFF_LAST_NS = 8;
	/** Offset of {@code __u64 count}. */
	public static final int OFF_COUNT = 16;
	/** Offset of {@code __u64 succeeded}. */
	public static final int OFF_SUCCEEDED = 24;
	/** Offset of {@code __u64 task_key}. */
	public static final int OFF_TASK_KEY = 32;
	/** Offset of {@code __s32 last_result}. */
	public static final int OFF_LAST_RESULT = 40;
	/** Offset of {@code __u32 tid}. */
	public static final int OFF_TID = 44;
	/** Offset of {@code __u32 uid}. */
	public static final int OFF_UID = 48;
	/** Offset of {@code __u32 flags}. */
	public static final int OFF_FLAGS = 52;
	/** Offset of {@code char comm[COMM_LEN]}. */
	public static final int OFF_COMM = 56;

	/** TAINT_NOTICED: the notice of this record was sent. */
	public static final int FLAG_NOTICED = 1;

	/** {@code struct taint_key}: who did what to which object. */
	public static final class Key {

		private Key() {
		}

		/** sizeof(struct taint_key). */
		public static final int SIZE = 16;
		/** Offset of {@code __u32 tgid}. */
		public static final int OFF_TGID = 0;
		/** Offset of {@code __u32 cmd}. */
		public static final int OFF_CMD = 4;
		/** Offset of {@code __u32 kind}. */
		public static final int OFF_KIND = 8;
		/** Offset of {@code __u32 id}. */
		public static final int OFF_ID = 12;
	}

	/**
	 * A decoded taint record with its key.
	 *
	 * @param tgid the calling process
	 * @param cmd the bpf() command (enum bpf_cmd; {@link GuardLayout#command} names it)
	 * @param kind what the target is: {@link GuardLayout#KIND_MAP}, KIND_PROG or KIND_LINK
	 * @param id the target's id
	 * @param firstNs first call, CLOCK_BOOTTIME ns
	 * @param lastNs last call, CLOCK_BOOTTIME ns
	 * @param count calls
	 * @param succeeded calls the kernel carried out
	 * @param taskKey the tasks key of the calling process
	 * @param lastResult what the last call returned (negative: -errno)
	 * @param tid the thread of the last call
	 * @param uid the caller's uid
	 * @param flags FLAG_ bits
	 * @param comm the caller's short name
	 */
	public record Taint(int tgid, int cmd, int kind, int id, long firstNs, long lastNs, long count, long succeeded,
			long taskKey, int lastResult, int tid, int uid, int flags, String comm) {

		/**
		 * Decodes a record from its key and value (native byte order, from each buffer's position; the buffers are
		 * not modified).
		 *
		 * @param key at least {@link Key#SIZE} bytes
		 * @param value at least {@link TaintLayout#SIZE} bytes
		 * @return the record
		 */
		public static Taint decode(ByteBuffer key, ByteBuffer value) {
			ByteBuffer k = key.duplicate().order(ByteOrder.nativeOrder());
			int kp = k.position();
			ByteBuffer v = value.duplicate().order(ByteOrder.nativeOrder());
			int p = v.position();
			byte[] comm = new byte[TaskLayout.COMM_LEN];
			v.get(p + OFF_COMM, comm);
			int n = 0;
			while (n < comm.length && comm[n] != 0) {
				n++;
			}
			return new Taint(k.getInt(kp + Key.OFF_TGID), k.getInt(kp + Key.OFF_CMD), k.getInt(kp + Key.OFF_KIND),
					k.getInt(kp + Key.OFF_ID), v.getLong(p + OFF_FIRST_NS), v.getLong(p + OFF_LAST_NS),
					v.getLong(p + OFF_COUNT), v.getLong(p + OFF_SUCCEEDED), v.getLong(p + OFF_TASK_KEY),
					v.getInt(p + OFF_LAST_RESULT), v.getInt(p + OFF_TID), v.getInt(p + OFF_UID),
					v.getInt(p + OFF_FLAGS), new String(comm, 0, n, StandardCharsets.UTF_8));
		}

		/**
		 * Whether a flag is set.
		 *
		 * @param flag a FLAG_ constant
		 * @return true when set
		 */
		public boolean has(int flag) {
			return (flags & flag) == flag;
		}

		/**
		 * The bpf() command's name.
		 *
		 * @return e.g. "map_update_elem"
		 */
		public String command() {
			return GuardLayout.command(cmd);
		}

		/**
		 * The target's kind.
		 *
		 * @return "map", "program" or "link"
		 */
		public String kindName() {
			return GuardLayout.kind(kind);
		}
	}
}
