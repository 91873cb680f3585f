package jibril.bpf;

/** BPF map types (enum bpf_map_type) that Jibril knows; {@link #UNKNOWN} stands for every other. */
public enum MapType {
	/** BPF_MAP_TYPE_HASH. */
	HASH(1),
	/** BPF_MAP_TYPE_ARRAY. */
	ARRAY(2),
	/** BPF_MAP_TYPE_PROG_ARRAY. */
	PROG_ARRAY(3),
	/** BPF_MAP_TYPE_PERF_EVENT_ARRAY. */
	PERF_EVENT_ARRAY(4),
	/** BPF_MAP_TYPE_PERCPU_HASH: values hold one slot per possible CPU. */
	PERCPU_HASH(5),
	/** BPF_MAP_TYPE_PERCPU_ARRAY: values hold one slot per possible CPU. */
	PERCPU_ARRAY(6),
	/** BPF_MAP_TYPE_STACK_TRACE. */
	STACK_TRACE(7),
	/** BPF_MAP_TYPE_LRU_HASH. */
	LRU_HASH(9),
	/** BPF_MAP_TYPE_LRU_PERCPU_HASH: values hold one slot per possible CPU. */
	LRU_PERCPU_HASH(10),
	/** BPF_MAP_TYPE_LPM_TRIE (created with BPF_F_NO_PREALLOC, as the kernel requires). */
	LPM_TRIE(11),
	/** BPF_MAP_TYPE_ARRAY_OF_MAPS. */
	ARRAY_OF_MAPS(12),
	/** BPF_MAP_TYPE_HASH_OF_MAPS. */
	HASH_OF_MAPS(13),
	/** BPF_MAP_TYPE_QUEUE. */
	QUEUE(22),
	/** BPF_MAP_TYPE_STACK. */
	STACK(23),
	/** BPF_MAP_TYPE_RINGBUF: no keys or values; read it with {@link BpfRuntime#ringBuffer}. */
	RINGBUF(27),
	/** BPF_MAP_TYPE_BLOOM_FILTER. */
	BLOOM_FILTER(30),
	/** Any type not listed here. */
	UNKNOWN(-1);

	private final int id;

	MapType(int id) {
		this.id = id;
	}

	/**
	 * The kernel's enum bpf_map_type value.
	 *
	 * @return the value, -1 for {@link #UNKNOWN}
	 */
	public int id() {
		return id;
	}

	/**
	 * Whether values hold one slot per possible CPU, each rounded up to 8 bytes.
	 *
	 * @return true for the per-CPU hash and array types
	 */
	public boolean isPerCpu() {
		return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH;
	}

	/**
	 * Whether the kernel implements BPF_MAP_LOOKUP_BATCH for this type.
	 *
	 * @return true for the hash and array types
	 */
	public boolean supportsBatch() {
		return this == HASH || this == ARRAY || this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_HASH
				|| this == LRU_PERCPU_HASH;
	}

	/**
	 * The type with the given kernel value.
	 *
	 * @param id an enum bpf_map_type value
	 * @return the type, {@link #UNKNOWN} when it is not listed here
	 */
	public static MapType of(int id) {
		for (MapType t : values()) {
			if (t.id == id) {
				return t;
			}
		}
		return UNKNOWN;
	}
}
