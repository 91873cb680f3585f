package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.RandomAccess;

/**
 * {@code struct task_file}: the value of the task_file map, one (process, file) pair with the actions the process
 * did on the file; its key is {@code struct task_file_key}, mirrored by {@link Key}. Actions are bit numbers in
 * the order of the original product's file_actions (ACT_*, {@link #ACTION_NAMES}).
 */
public final class TaskFileLayout {

	private TaskFileLayout() {
	}

	/** sizeof(struct task_file). */
	public static final int SIZE = 96;

	/** Name of the pinned, userland-owned file_cursors array of the files object (see the CURSOR_ constants). */
	public static final String MAP_FILE_CURSORS = "file_cursors";
	/** file_cursors index: the files_seq up to which the data layer has handled task_file. */
	public static final int CURSOR_PAIRS = 0;
	/**
	 * file_cursors index: how many pairs userland inserted into task_file without a generation (procfs seeding),
	 * raised after each seeding; readers that mirror task_file read it to know their mirror lacks pairs.
	 */
	public static final int CURSOR_SEEDED_PAIRS = 1;

	/** Offset of {@code __u32 actions}. */
	public static final int OFF_ACTIONS = 0;
	/** Offset of {@code __u32 pid}. */
	public static final int OFF_PID = 4;
	/** Offset of {@code __u64 first_ns}. */
	public static final int OFF_FIRST_NS = 8;
	/** Offset of {@code __u64 last_ns}. */
	public static final int OFF_LAST_NS = 16;
	/** Offset of {@code __u64 gen}. */
	public static final int OFF_GEN = 24;
	/** Offset of {@code __u32 counts[FILE_ACT_COUNT]}. */
	public static final int OFF_COUNTS = 32;
	/** Offset of {@code __u32 flags}. */
	public static final int OFF_FLAGS = 92;

	/** FILE_ACT_FASYNC: O_ASYNC turned on (fcntl F_SETFL, ioctl FIOASYNC). */
	public static final int ACT_FASYNC = 0;
	/** FILE_ACT_FLOCK: flock(), or a POSIX/OFD record lock set with fcntl. */
	public static final int ACT_FLOCK = 1;
	/** FILE_ACT_FSYNC: fsync, fdatasync. */
	public static final int ACT_FSYNC = 2;
	/** FILE_ACT_LLSEEK: lseek. */
	public static final int ACT_LLSEEK = 3;
	/** FILE_ACT_MMAP: mmap of the file. */
	public static final int ACT_MMAP = 4;
	/** FILE_ACT_OPEN: a successful open. */
	public static final int ACT_OPEN = 5;
	/** FILE_ACT_READ: read and its variants; the source of sendfile, splice, copy_file_range. */
	public static final int ACT_READ = 6;
	/** FILE_ACT_WRITE: write and its variants; their destination. */
	public static final int ACT_WRITE = 7;
	/** FILE_ACT_RENAME: a successful rename, on the old and the new path. */
	public static final int ACT_RENAME = 8;
	/** FILE_ACT_TRUNCATE: ftruncate, or a successful truncate by path. */
	public static final int ACT_TRUNCATE = 9;
	/** FILE_ACT_UNLINK: a successful unlink, unlinkat (directories too), rmdir. */
	public static final int ACT_UNLINK = 10;
	/** FILE_ACT_CREATE: an open that created the file. */
	public static final int ACT_CREATE = 11;
	/** FILE_ACT_CLOSE: close. */
	public static final int ACT_CLOSE = 12;
	/** FILE_ACT_LINK: a successful link or symlink, on the target and the new name. */
	public static final int ACT_LINK = 13;
	/** FILE_ACT_EXECVE: the process executed the file. */
	public static final int ACT_EXECVE = 14;
	/** FILE_ACT_COUNT: the number of actions, the length of counts. */
	public static final int ACTIONS = 15;

	/** The actions' names, index = bit number, as recipes and events spell them. */
	public static final List<String> ACTION_NAMES = List.of("fasync", "flock", "fsync", "llseek", "mmap", "open",
			"read", "write", "rename", "truncate", "unlink", "create", "close", "link", "execve");

	/** FILE_COUNT_MAX: counts saturate here (unsigned); a count at or above it means "at least that many". */
	public static final long COUNT_MAX = 0xffff0000L;

	/** FILE_PATH_TRUNC in flags: the file's path was truncated. */
	public static final int FLAG_PATH_TRUNC = FileLayout.FLAG_PATH_TRUNC;

	/**
	 * The names of the actions in a bitmask, in bit order, e.g. {@code ["open", "read", "close"]}.
	 *
	 * @param mask bits 1 &lt;&lt; ACT_*; bits at or above {@link #ACTIONS} are ignored
	 * @return the names
	 */
	public static List<String> actionNames(int mask) {
		int m = mask & ((1 << ACTIONS) - 1);
		List<String> known = NAMES_BY_MASK[m];
		if (known != null) {
			return known;
		}
		List<String> names = new ArrayList<>(Integer.bitCount(m));
		for (int a = 0; a < ACTIONS; a++) {
			if ((m & (1 << a)) != 0) {
				names.add(ACTION_NAMES.get(a));
			}
		}
		known = List.copyOf(names);
		NAMES_BY_MASK[m] = known; // immutable, so a racing reader sees it whole or builds its own
		return known;
	}

	/**
	 * The names of each mask once built (every new pair asks, twice): one immutable list per mask, which also lets
	 * a reader that remembers the last list it turned into something (a recipe's mask) recognise it by identity.
	 */
	@SuppressWarnings("unchecked")
	private static final List<String>[] NAMES_BY_MASK = new List[1 << ACTIONS];

	/**
	 * The bit number of an action name.
	 *
	 * @param name one of {@link #ACTION_NAMES}, in any case
	 * @return its ACT_* number
	 * @throws IllegalArgumentException for an unknown name, listing the known ones
	 */
	public static int action(String name) {
		int a = ACTION_NAMES.indexOf(name.toLowerCase(Locale.ROOT));
		if (a < 0) {
			throw new IllegalArgumentException("unknown file action '" + name + "'; known: " + ACTION_NAMES);
		}
		return a;
	}

	/**
	 * The bitmask of action names.
	 *
	 * @param names names of {@link #ACTION_NAMES}
	 * @return the OR of 1 &lt;&lt; ACT_* for each
	 * @throws IllegalArgumentException for an unknown name
	 */
	public static int actionMask(String... names) {
		int mask = 0;
		for (String n : names) {
			mask |= 1 << action(n);
		}
		return mask;
	}

	/**
	 * Decodes a struct task_file; the same as {@link TaskFile#decode(ByteBuffer)}.
	 *
	 * @param b at least {@link #SIZE} bytes from its position
	 * @return the pair
	 */
	public static TaskFile decode(ByteBuffer b) {
		return TaskFile.decode(b);
	}

	/**
	 * {@code struct task_file_key}: the key of the task_file map.
	 *
	 * @param taskKey the tasks key of the process
	 * @param fileKey the files key (strings key of the absolute path)
	 */
	public record Key(long taskKey, long fileKey) {

		/** sizeof(struct task_file_key). */
		public static final int SIZE = 16;
		/** Offset of {@code __u64 task_key}. */
		public static final int OFF_TASK_KEY = 0;
		/** Offset of {@code __u64 file_key}. */
		public static final int OFF_FILE_KEY = 8;

		/**
		 * Decodes a key starting at the buffer's position (native byte order; the buffer is not modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the key
		 */
		public static Key decode(ByteBuffer b) {
			ByteBuffer k = b.duplicate().order(ByteOrder.nativeOrder());
			int p = k.position();
			return new Key(k.getLong(p + OFF_TASK_KEY), k.getLong(p + OFF_FILE_KEY));
		}

		/**
		 * The key as the map takes it.
		 *
		 * @return {@link #SIZE} bytes in native byte order
		 */
		public byte[] bytes() {
			return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putLong(OFF_TASK_KEY, taskKey)
					.putLong(OFF_FILE_KEY, fileKey).array();
		}
	}

	/**
	 * A decoded {@code struct task_file}.
	 *
	 * @param actions bits 1 &lt;&lt; ACT_* of every action seen
	 * @param pid the process's thread group id when the pair was created
	 * @param firstNs first action, CLOCK_BOOTTIME ns
	 * @param lastNs latest action, CLOCK_BOOTTIME ns
	 * @param gen files_seq when the pair was created or last gained a bit
	 * @param counts per ACT_*, unsigned, saturating at {@link TaskFileLayout#COUNT_MAX}
	 * @param flags FLAG_PATH_TRUNC
	 */
	public record TaskFile(int actions, int pid, long firstNs, long lastNs, long gen, List<Long> counts, int flags) {

		/** Copies counts (into an unmodifiable list of unboxed values, as {@link #decode} builds it). */
		public TaskFile {
			if (!(counts instanceof Counts)) {
				long[] c = new long[counts.size()];
				for (int i = 0; i < c.length; i++) {
					c[i] = counts.get(i); // NullPointerException for a null element, as List.copyOf
				}
				counts = new Counts(c);
			}
		}

		/**
		 * Decodes a struct task_file starting at the buffer's position (native byte order; the buffer is not
		 * modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the pair
		 */
		public static TaskFile decode(ByteBuffer b) {
			ByteBuffer t = b.duplicate().order(ByteOrder.nativeOrder());
			int p = t.position();
			long[] c = new long[ACTIONS];
			for (int a = 0; a < ACTIONS; a++) {
				c[a] = Integer.toUnsignedLong(t.getInt(p + OFF_COUNTS + 4 * a));
			}
			Counts counts = new Counts(c);
			return new TaskFile(t.getInt(p + OFF_ACTIONS), t.getInt(p + OFF_PID), t.getLong(p + OFF_FIRST_NS),
					t.getLong(p + OFF_LAST_NS), t.getLong(p + OFF_GEN), counts, t.getInt(p + OFF_FLAGS));
		}

		/**
		 * Whether the process did an action.
		 *
		 * @param action an ACT_* number
		 * @return true when its bit is set
		 */
		public boolean has(int action) {
			return (actions & (1 << action)) != 0;
		}

		/**
		 * How often the process did an action.
		 *
		 * @param action an ACT_* number
		 * @return the count (at least this many when {@code >= COUNT_MAX})
		 */
		public long count(int action) {
			return counts instanceof Counts c ? c.at(action) : counts.get(action);
		}

		/**
		 * The names of the actions done, in bit order.
		 *
		 * @return e.g. ["open", "read", "close"]
		 */
		public List<String> actionNames() {
			return TaskFileLayout.actionNames(actions);
		}
	}

	/**
	 * A pair's counters as an unmodifiable list: the values unboxed, one array per pair instead of a box per
	 * action (a notice of a new pair decodes one, at up to hundreds of thousands per second).
	 */
	private static final class Counts extends AbstractList<Long> implements RandomAccess {
		private final long[] values;

		Counts(long[] values) {
			this.values = values;
		}

		long at(int i) {
			return values[i];
		}

		@Override
		public Long get(int i) {
			return values[i];
		}

		@Override
		public int size() {
			return values.length;
		}
	}
}
