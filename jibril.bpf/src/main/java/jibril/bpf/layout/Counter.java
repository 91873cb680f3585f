package jibril.bpf.layout;

/**
 * {@code enum counter}: the slots of the per-CPU counters map. Sum one with
 * {@code BpfMap.sumPerCpuLong(counter.index())}.
 */
public enum Counter {
	/** CNT_NOTICE_LOST: the notice ring buffer was full; a sweep finds the fact later. */
	NOTICE_LOST(0),
	/** CNT_TASKS_FULL: the tasks map was full; the fact is lost. */
	TASKS_FULL(1),
	/** CNT_STRINGS_FULL: the strings map was full; the string is lost. */
	STRINGS_FULL(2),
	/** CNT_PATH_TRUNCATED: a path was longer than STR_MAX or deeper than the walk allows. */
	PATH_TRUNCATED(3),
	/** CNT_ARGS_TRUNCATED: an argument vector was longer than STR_MAX. */
	ARGS_TRUNCATED(4),
	/** CNT_EXECS: execs seen. */
	EXECS(5),
	/** CNT_FORKS: new processes seen. */
	FORKS(6),
	/** CNT_EXITS: process exits seen. */
	EXITS(7);

	/** CNT_MAX: the size of the counters map (room for counters to come). */
	public static final int SLOTS = 64;

	private final int index;

	Counter(int index) {
		this.index = index;
	}

	/**
	 * The counter's slot.
	 *
	 * @return the enum counter value, the key in the counters map
	 */
	public int index() {
		return index;
	}
}
