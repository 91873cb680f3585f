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
	EXITS(7),
	/** CNT_FILES_FULL: the files map was full; that file's metadata is lost (its pairs are still recorded). */
	FILES_FULL(16),
	/** CNT_TASK_FILE_FULL: the task_file map was full; the (process, file) fact is lost. */
	TASK_FILE_FULL(17),
	/** CNT_FILE_PENDING_FULL: file_pending was full; a path syscall could not be checked and its fact is lost. */
	FILE_PENDING_FULL(18),
	/** CNT_FILE_NO_FD: an action on a descriptor that is not open. */
	FILE_NO_FD(19),
	/** CNT_FILE_BAD_NAME: a path argument could not be read, or its dirfd is not open. */
	FILE_BAD_NAME(20),
	/** CNT_FCACHE_HIT: a struct file's path key came from file_cache. */
	FCACHE_HIT(21),
	/** CNT_FCACHE_MISS: a struct file was resolved by a dentry walk. */
	FCACHE_MISS(22),
	/** CNT_FILE_PAIRS: new task_file entries. */
	FILE_PAIRS(23),
	/** CNT_FILE_BITS: new action bits on existing task_file entries. */
	FILE_BITS(24),
	/** CNT_FILE_ACTIONS: file actions recorded. */
	FILE_ACTIONS(25),
	/** CNT_PATH_NOTICE_LOST: a new path's notice did not fit the ring; userland looks the string up instead. */
	PATH_NOTICE_LOST(26),
	/** CNT_FLOWS_FULL: the flows map was full; the flow (and its task_flow pairs) is lost. */
	FLOWS_FULL(32),
	/** CNT_TASK_FLOWS_FULL: the task_flow map was full; the pair is lost. */
	TASK_FLOWS_FULL(33),
	/** CNT_DNS_FULL: the dns_answers map was full; the answer is lost. */
	DNS_FULL(34),
	/** CNT_DNS_TRUNCATED: a DNS answer longer than {@link NetLayout#DNS_MAX}; its first bytes were kept. */
	DNS_TRUNCATED(35),
	/** CNT_NET_UNPARSED: a packet whose transport header could not be read (fragment, IPv6 extensions). */
	NET_UNPARSED(36),
	/** CNT_NET_NO_PEER: a send or receive on an unconnected socket without a peer address; not attributed. */
	NET_NO_PEER(37),
	/** CNT_MMSG_TRUNCATED: sendmmsg/recvmmsg messages beyond {@link NetLayout#NET_MMSG_MAX}; not attributed. */
	MMSG_TRUNCATED(38),
	/** CNT_NET_CALLS_FULL: the map of in-flight socket calls was full; that call is not attributed. */
	NET_CALLS_FULL(39),
	/** CNT_FLOWS: flows created. */
	FLOWS(40),
	/** CNT_PACKETS: packets counted by the cgroup programs. */
	PACKETS(41),
	/** CNT_DNS_ANSWERS: DNS answers received, repeats included. */
	DNS_ANSWERS(42);

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
