package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct notice}: one record of the notices ring buffer. A notice only says that a key is new or changed;
 * the fact itself is in a map: the tasks map for the task kinds (1-15), the task_file map for the files kinds
 * (16-31), whose notices carry the task key in {@code key} and the file key in {@code seq}, the network maps for
 * the kinds 32-47, whose notices reuse the fields as each KIND_ constant says; the guard's kind 48 travels on a ring
 * buffer of its own.
 */
public final class NoticeLayout {

	private NoticeLayout() {
	}

	/** sizeof(struct notice). */
	public static final int SIZE = 32;

	/** Offset of {@code __u32 kind}. */
	public static final int OFF_KIND = 0;
	/** Offset of {@code __u32 pid}. */
	public static final int OFF_PID = 4;
	/** Offset of {@code __u64 key}. */
	public static final int OFF_KEY = 8;
	/** Offset of {@code __u64 seq}. */
	public static final int OFF_SEQ = 16;

	/**
	 * Offset of {@code __u64 gen}: for the files kinds and KIND_TASK_FLOW, the generation the change took (files_seq,
	 * net_seq); 0 otherwise.
	 */
	public static final int OFF_GEN = 24;

	/** NOTICE_EXEC: a process executed a program. */
	public static final int KIND_EXEC = 1;
	/** NOTICE_EXIT: a process exited. */
	public static final int KIND_EXIT = 2;
	/** NOTICE_FORK: a new process was forked. */
	public static final int KIND_FORK = 3;
	/**
	 * NOTICE_FILE_PAIR: a new (process, file) pair in task_file; key = task key, seq = file key. The file's struct
	 * file_info follows at {@link #FILE_OFFSET}, the pair's struct task_file as it was made at {@link #PAIR_OFFSET}
	 * (struct pair_notice).
	 */
	public static final int KIND_FILE_PAIR = 16;
	/**
	 * NOTICE_FILE_BITS: a task_file pair gained an action bit; key = task key, seq = file key; the pair as the bit
	 * left it follows at {@link #BITS_PAIR_OFFSET} (struct bits_notice).
	 */
	public static final int KIND_FILE_BITS = 17;

	/**
	 * NOTICE_FILE_PATH: a path of at most STR_SHORT bytes is new in the strings dictionary; key = its strings key,
	 * and the struct short_string follows at {@link #PATH_OFFSET} (struct path_notice): a copy, so that the path is
	 * known without a lookup. The dictionary holds it either way.
	 */
	public static final int KIND_FILE_PATH = 18;

	/**
	 * Offset of the struct file_info in a KIND_FILE_PAIR record (sizeof(struct notice)); all zero when the files map
	 * did not have the file.
	 */
	public static final int FILE_OFFSET = SIZE;
	/** Offset of the pair's struct task_file in a KIND_FILE_PAIR record (struct pair_notice). */
	public static final int PAIR_OFFSET = FILE_OFFSET + FileLayout.SIZE;
	/** Offset of the pair's struct task_file in a KIND_FILE_BITS record (struct bits_notice). */
	public static final int BITS_PAIR_OFFSET = SIZE;

	/** Offset of the struct short_string in a KIND_FILE_PATH record (sizeof(struct notice)). */
	public static final int PATH_OFFSET = SIZE;
	/**
	 * NOTICE_FLOW_NEW: a new flows entry. key: the flow key; seq: its gen (flow_seq); pid: the tgid of the process
	 * whose call made it, 0 when a packet made it.
	 */
	public static final int KIND_FLOW_NEW = 32;
	/**
	 * NOTICE_TASK_FLOW: a task_flow pair is new or gained an action. key: the task key; seq: the flow key; pid: the
	 * process's tgid; gen: the pair's new generation (net_seq). A new pair's notice is followed by its struct flow
	 * at {@link #FLOW_OFFSET} and the pair at {@link #FLOW_PAIR_OFFSET} (struct flow_notice); a new action's by the
	 * pair at {@link #FLOW_BITS_PAIR_OFFSET} (struct flow_bits_notice).
	 */
	public static final int KIND_TASK_FLOW = 33;

	/** Offset of the struct flow in a KIND_TASK_FLOW record of a new pair (sizeof(struct notice)). */
	public static final int FLOW_OFFSET = SIZE;
	/** Offset of the pair's struct task_flow in a KIND_TASK_FLOW record of a new pair (struct flow_notice). */
	public static final int FLOW_PAIR_OFFSET = FLOW_OFFSET + FlowLayout.SIZE;
	/**
	 * Offset of the pair's struct task_flow in a KIND_TASK_FLOW record of a pair that gained an action (struct
	 * flow_bits_notice); a record of this size has no flow.
	 */
	public static final int FLOW_BITS_PAIR_OFFSET = SIZE;
	/** NOTICE_DNS: a new dns_answers entry. key: its key; seq: the flow key of the receiving flow; pid: 0. */
	public static final int KIND_DNS = 34;
	/**
	 * NOTICE_TAINT, on the guard's own ring buffer (guard_notices): a new taints record. pid: the calling process;
	 * key: the target's id; seq: (guard kind &lt;&lt; 32) | bpf command.
	 */
	public static final int KIND_TAINT = 48;

	/**
	 * Decodes a notice; the same as {@link Notice#decode(ByteBuffer)}.
	 *
	 * @param b at least {@link #SIZE} bytes from its position
	 * @return the notice
	 */
	public static Notice decode(ByteBuffer b) {
		return Notice.decode(b);
	}

	/**
	 * A decoded notice.
	 *
	 * @param kind one of the KIND_ constants
	 * @param pid the process's thread group id (0 for notices that no process caused)
	 * @param key the tasks key; for network kinds as the KIND_ constant says
	 * @param seq the exec generation for KIND_EXEC, the file key for KIND_FILE_*, 0 for the other task kinds; for
	 *            network kinds as the KIND_ constant says
	 * @param gen for the files kinds and KIND_TASK_FLOW, the generation the new pair or bit took; 0 for the others
	 */
	public record Notice(int kind, int pid, long key, long seq, long gen) {

		/**
		 * A notice of a kind that carries no generation.
		 *
		 * @param kind one of the KIND_ constants
		 * @param pid the process's thread group id
		 * @param key as for the canonical constructor
		 * @param seq as for the canonical constructor
		 */
		public Notice(int kind, int pid, long key, long seq) {
			this(kind, pid, key, seq, 0);
		}


		/**
		 * Whether this is a notice of the files family.
		 *
		 * @return true for KIND_FILE_PAIR and KIND_FILE_BITS
		 */
		public boolean isFile() {
			return kind == KIND_FILE_PAIR || kind == KIND_FILE_BITS;
		}

		/**
		 * The task_file key a files notice names.
		 *
		 * @return (key, seq) as a task_file key
		 * @throws IllegalStateException when this is not a files notice
		 */
		public TaskFileLayout.Key taskFileKey() {
			if (!isFile()) {
				throw new IllegalStateException("notice of kind " + kind + " names no task_file entry");
			}
			return new TaskFileLayout.Key(key, seq);
		}

		/**
		 * Decodes a notice starting at the buffer's position (native byte order; the buffer is not modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the notice
		 */
		public static Notice decode(ByteBuffer b) {
			ByteBuffer n = b.duplicate().order(ByteOrder.nativeOrder());
			int p = n.position();
			return new Notice(n.getInt(p + OFF_KIND), n.getInt(p + OFF_PID), n.getLong(p + OFF_KEY),
					n.getLong(p + OFF_SEQ), n.getLong(p + OFF_GEN));
		}
	}
}
