package jibril.bpf;

/** The flags of a map update (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
public enum UpdateFlag {
	/** Create the entry or replace it. */
	ANY(0),
	/** Create the entry only if absent; EEXIST otherwise. */
	NOEXIST(1),
	/** Replace the entry only if present; ENOENT otherwise. */
	EXIST(2);

	private final int value;

	UpdateFlag(int value) {
		this.value = value;
	}

	/**
	 * The kernel's value of the flag.
	 *
	 * @return BPF_ANY, BPF_NOEXIST or BPF_EXIST
	 */
	public int value() {
		return value;
	}
}
