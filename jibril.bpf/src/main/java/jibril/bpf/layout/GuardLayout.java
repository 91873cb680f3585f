package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The guard family of jibril.h (guard.bpf.c): what a guarded id names ({@code enum guard_kind}), the guarded map's
 * key {@code struct guard_key} ({@link Key}), the configuration {@code struct guard_config} ({@link Config}), the
 * counters of {@code guard_counters} and the names of the bpf() commands the guard records. The taint records
 * themselves are {@link TaintLayout}.
 */
public final class GuardLayout {

	private GuardLayout() {
	}

	/** GUARD_MAP: the id is a map's. */
	public static final int KIND_MAP = 1;
	/** GUARD_PROG: the id is a program's. */
	public static final int KIND_PROG = 2;
	/** GUARD_LINK: the id is a link's. */
	public static final int KIND_LINK = 3;

	/** GUARD_CNT_CALLS: bpf() calls with a write or detach command, by anyone, on anything. */
	public static final int CNT_CALLS = 0;
	/** GUARD_CNT_TAINTS: calls by another process on one of Jibril's objects. */
	public static final int CNT_TAINTS = 1;
	/** GUARD_CNT_TAINTS_FULL: taints the taints map had no room for (counted, not recorded). */
	public static final int CNT_TAINTS_FULL = 2;
	/** GUARD_CNT_NOTICE_LOST: guard_notices was full; the sweep finds the record later. */
	public static final int CNT_NOTICE_LOST = 3;
	/** GUARD_CNT_UNREADABLE: another process's call whose descriptor could be read neither at entry nor exit. */
	public static final int CNT_UNREADABLE = 4;
	/** GUARD_CNT_MAX: the size of the guard_counters map. */
	public static final int CNT_SLOTS = 8;

	/** TAINTS_MAX: entries of the taints map. */
	public static final int TAINTS_MAX = 4096;
	/** GUARDED_MAX: entries of the guarded map. */
	public static final int GUARDED_MAX = 1024;

	/** The bpf() commands (enum bpf_cmd) the guard records, by number, with the names events and status use. */
	public static final Map<Integer, String> COMMANDS = Map.of(2, "map_update_elem", 3, "map_delete_elem", 9,
			"prog_detach", 21, "map_lookup_and_delete_elem", 22, "map_freeze", 25, "map_lookup_and_delete_batch", 26,
			"map_update_batch", 27, "map_delete_batch", 29, "link_update", 34, "link_detach");

	/**
	 * The name of a bpf() command.
	 *
	 * @param cmd an enum bpf_cmd value
	 * @return e.g. "map_update_elem", or "cmd_N" for a command the guard does not record
	 */
	public static String command(int cmd) {
		return COMMANDS.getOrDefault(cmd, "cmd_" + cmd);
	}

	/**
	 * The name of a guard kind.
	 *
	 * @param kind KIND_MAP, KIND_PROG or KIND_LINK
	 * @return "map", "program", "link", or "kind_N"
	 */
	public static String kind(int kind) {
		return switch (kind) {
			case KIND_MAP -> "map";
			case KIND_PROG -> "program";
			case KIND_LINK -> "link";
			default -> "kind_" + kind;
		};
	}

	/** {@code struct guard_key}: the key of the guarded map. */
	public static final class Key {

		private Key() {
		}

		/** sizeof(struct guard_key). */
		public static final int SIZE = 8;
		/** Offset of {@code __u32 kind}. */
		public static final int OFF_KIND = 0;
		/** Offset of {@code __u32 id}. */
		public static final int OFF_ID = 4;

		/**
		 * Encodes a key.
		 *
		 * @param kind KIND_MAP, KIND_PROG or KIND_LINK
		 * @param id the kernel's id of the object
		 * @return {@link #SIZE} bytes in native order
		 */
		public static byte[] encode(int kind, int id) {
			return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putInt(OFF_KIND, kind).putInt(OFF_ID, id)
					.array();
		}
	}

	/** {@code struct guard_config}: the one value of the guard_config map. */
	public static final class Config {

		private Config() {
		}

		/** sizeof(struct guard_config). */
		public static final int SIZE = 8;
		/** Offset of {@code __u32 daemon_tgid}. */
		public static final int OFF_DAEMON_TGID = 0;
		/** Offset of {@code __u32 flags}. */
		public static final int OFF_FLAGS = 4;

		/**
		 * Encodes the configuration.
		 *
		 * @param daemonTgid the process whose calls are Jibril's own
		 * @return {@link #SIZE} bytes in native order
		 */
		public static byte[] encode(long daemonTgid) {
			return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putInt(OFF_DAEMON_TGID, (int) daemonTgid)
					.putInt(OFF_FLAGS, 0).array();
		}
	}
}
