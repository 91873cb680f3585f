package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * {@code struct task_flow}: the value of the task_flow map, what one process did on one flow; its key is
 * {@code struct task_flow_key} ({@link Key}).
 */
public final class TaskFlowLayout {

	private TaskFlowLayout() {
	}

	/** sizeof(struct task_flow). */
	public static final int SIZE = 32;

	/** Offset of {@code __u64 actions}. */
	public static final int OFF_ACTIONS = 0;
	/** Offset of {@code __u64 first_ns}. */
	public static final int OFF_FIRST_NS = 8;
	/** Offset of {@code __u64 last_ns}. */
	public static final int OFF_LAST_NS = 16;
	/** Offset of {@code __u64 gen}. */
	public static final int OFF_GEN = 24;

	/** {@code struct task_flow_key}: the key of the task_flow map. */
	public static final class Key {

		private Key() {
		}

		/** sizeof(struct task_flow_key). */
		public static final int SIZE = 16;
		/** Offset of {@code __u64 task_key}. */
		public static final int OFF_TASK_KEY = 0;
		/** Offset of {@code __u64 flow_key}. */
		public static final int OFF_FLOW_KEY = 8;

		/**
		 * Encodes a key.
		 *
		 * @param taskKey the process's task key ({@link Keys#taskKey})
		 * @param flowKey the flow key ({@link Keys#flowKey})
		 * @return {@link #SIZE} bytes in native order
		 */
		public static byte[] encode(long taskKey, long flowKey) {
			return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putLong(OFF_TASK_KEY, taskKey)
					.putLong(OFF_FLOW_KEY, flowKey).array();
		}

		/**
		 * The task key of an encoded key.
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the task key
		 */
		public static long taskKey(ByteBuffer b) {
			return b.duplicate().order(ByteOrder.nativeOrder()).getLong(b.position() + OFF_TASK_KEY);
		}

		/**
		 * The flow key of an encoded key.
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the flow key
		 */
		public static long flowKey(ByteBuffer b) {
			return b.duplicate().order(ByteOrder.nativeOrder()).getLong(b.position() + OFF_FLOW_KEY);
		}
	}

	/**
	 * A decoded {@code struct task_flow}.
	 *
	 * @param actions ACT_ bits of {@link NetLayout}
	 * @param firstNs first action, CLOCK_BOOTTIME ns
	 * @param lastNs last action, CLOCK_BOOTTIME ns
	 * @param gen the net_seq generation of its creation or last new action
	 */
	public record TaskFlow(long actions, long firstNs, long lastNs, long gen) {

		/**
		 * Decodes a struct task_flow starting at the buffer's position (native byte order; the buffer is not
		 * modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the value
		 */
		public static TaskFlow decode(ByteBuffer b) {
			ByteBuffer t = b.duplicate().order(ByteOrder.nativeOrder());
			int p = t.position();
			return new TaskFlow(t.getLong(p + OFF_ACTIONS), t.getLong(p + OFF_FIRST_NS), t.getLong(p + OFF_LAST_NS),
					t.getLong(p + OFF_GEN));
		}

		/**
		 * Whether all these actions were done.
		 *
		 * @param action ACT_ bits of {@link NetLayout}
		 * @return true when all are set
		 */
		public boolean has(long action) {
			return (actions & action) == action;
		}

		/**
		 * The names of the actions.
		 *
		 * @return {@link NetLayout#actionNames} of actions, e.g. [connect, send, recv]
		 */
		public List<String> actionNames() {
			return NetLayout.actionNames(actions);
		}
	}
}
