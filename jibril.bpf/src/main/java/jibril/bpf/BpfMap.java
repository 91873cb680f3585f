package jibril.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;
import jibril.bpf.internal.Libs;
import jibril.bpf.internal.MapCalls;
import jibril.bpf.internal.MapInfo;

/**
 * A BPF map: either one of a {@link BpfObject}'s maps (usable once the object is loaded, released when it is
 * closed) or a map created or opened by {@link BpfRuntime}, which this object owns (its fd is closed by
 * {@link #close()}).
 *
 * <p>
 * Keys and values are raw bytes in the kernel's (native) layout. For per-CPU types a value holds one slot per
 * possible CPU, each {@code valueSize} rounded up to 8 bytes: see {@link #valueBufferSize()}.
 *
 * <p>
 * Thread-safe: every operation synchronizes on the map and reuses native buffers held by the map, so no native
 * memory is allocated per lookup. {@link #forEachKey} and {@link #dump} hold the lock for the whole walk; their
 * callbacks may use the other operations of the same map but not start another walk of it.
 */
public final class BpfMap implements AutoCloseable {

	/** Entries per bpf_map_lookup_batch call. */
	private static final int BATCH_ENTRIES = 4096;
	private static final int MIN_BATCH_ENTRIES = 64;

	private final BpfRuntime runtime;
	private final BpfObject owner;
	private final LibBpf bpf;
	/** libbpf's struct bpf_map, for maps of an object. */
	private final Pointer map;
	private final String name;
	private final MapType type;
	private final int keySize;
	private final int valueSize;
	private final int valueBufferSize;
	private final int cpus;

	/** Owned fd, or the object map's fd once loaded; -1 when unknown or closed. */
	private int fd = -1;
	private boolean closed;
	private int ownedMaxEntries;
	private Path ownedPinPath;

	private Memory opKey;
	private Memory opValue;
	private Memory iterKey;
	private Memory iterNext;
	private Memory iterValue;
	private Memory batchKeys;
	private Memory batchValues;
	private Memory batchToken;
	private Memory batchCount;
	private ByteBuffer batchKeysView;
	private ByteBuffer batchValuesView;
	private int batchCapacity;
	private boolean walking;
	private boolean lastDumpBatched;

	/** A map of an object. */
	BpfMap(BpfObject owner, LibBpf bpf, Pointer map) {
		this.runtime = null;
		this.owner = owner;
		this.bpf = bpf;
		this.map = map;
		this.name = bpf.bpf_map__name(map);
		this.type = MapType.of(bpf.bpf_map__type(map));
		this.keySize = bpf.bpf_map__key_size(map);
		this.valueSize = bpf.bpf_map__value_size(map);
		this.cpus = type.isPerCpu() ? BpfRuntime.possibleCpus() : 1;
		this.valueBufferSize = type.isPerCpu() ? roundUp8(valueSize) * cpus : valueSize;
	}

	/** A map owned through its fd. */
	BpfMap(BpfRuntime runtime, LibBpf bpf, int fd, MapInfo info, Path pinPath) {
		this.runtime = runtime;
		this.owner = null;
		this.bpf = bpf;
		this.map = null;
		this.fd = fd;
		this.name = info.name();
		this.type = MapType.of(info.type());
		this.keySize = info.keySize();
		this.valueSize = info.valueSize();
		this.ownedMaxEntries = info.maxEntries();
		this.ownedPinPath = pinPath;
		this.cpus = type.isPerCpu() ? BpfRuntime.possibleCpus() : 1;
		this.valueBufferSize = type.isPerCpu() ? roundUp8(valueSize) * cpus : valueSize;
	}

	/**
	 * The map's name.
	 *
	 * @return the name in the BPF object, or the kernel's name (at most 15 characters) for other maps
	 */
	public String name() {
		return name;
	}

	/**
	 * The map's type.
	 *
	 * @return the type, {@link MapType#UNKNOWN} for types not listed there
	 */
	public MapType type() {
		return type;
	}

	/**
	 * Key size in bytes.
	 *
	 * @return the key size (0 for ring buffers)
	 */
	public int keySize() {
		return keySize;
	}

	/**
	 * Value size in bytes, per CPU for per-CPU types.
	 *
	 * @return the value size as declared (0 for ring buffers)
	 */
	public int valueSize() {
		return valueSize;
	}

	/**
	 * Size of a value as lookups return it and updates expect it: {@link #valueSize()}, or for per-CPU types
	 * {@code roundUp(valueSize, 8) * BpfRuntime.possibleCpus()}.
	 *
	 * @return bytes per value buffer
	 */
	public int valueBufferSize() {
		return valueBufferSize;
	}

	/**
	 * Capacity of the map.
	 *
	 * @return max_entries (for a ring buffer, its size in bytes)
	 */
	public synchronized int maxEntries() {
		if (owner == null) {
			return ownedMaxEntries;
		}
		ensureObjectOpen();
		return bpf.bpf_map__max_entries(map);
	}

	/**
	 * Changes the capacity of a map of a {@link BpfObject} before the object is loaded.
	 *
	 * @param maxEntries the new max_entries
	 * @throws IllegalStateException for maps not of an object
	 * @throws BpfException when the object is already loaded
	 */
	public synchronized void setMaxEntries(int maxEntries) {
		if (owner == null) {
			throw new IllegalStateException("map '" + name + "' exists already: only maps of a BpfObject can be"
					+ " resized, and only before load");
		}
		ensureObjectOpen();
		int rc = bpf.bpf_map__set_max_entries(map, maxEntries);
		if (rc < 0) {
			throw Errno.error("cannot resize map '" + name + "' (only before load)", -rc);
		}
	}

	/**
	 * The map's fd; it belongs to this map (or its object): do not close it.
	 *
	 * @return the fd, or -1 before the object is loaded and after close
	 */
	public synchronized int fd() {
		if (closed) {
			return -1;
		}
		if (owner != null && fd < 0) {
			ensureObjectOpen();
			return Math.max(-1, bpf.bpf_map__fd(map));
		}
		return fd;
	}

	/**
	 * The kernel's id of the map, as {@code bpftool map show} lists it.
	 *
	 * @return the id
	 * @throws BpfException when the kernel does not answer
	 * @throws IllegalStateException before the object is loaded or after close
	 */
	public synchronized int id() {
		return MapInfo.of(liveFd()).id();
	}

	/**
	 * Freezes the map (BPF_MAP_FREEZE): from now on no process, root included, can change it through the bpf()
	 * system call, for as long as the map lives; BPF programs still read and write it. Not reversible.
	 *
	 * @throws BpfException EBUSY when the map is frozen already or mapped writable, EPERM when this fd cannot write
	 */
	public synchronized void freeze() {
		int rc = bpf.bpf_map_freeze(liveFd());
		if (rc < 0) {
			throw Errno.error("cannot freeze map '" + name + "'", Errno.of(rc));
		}
	}

	/**
	 * Whether the map is frozen (the {@code frozen} line of the fd's /proc/self/fdinfo entry).
	 *
	 * @return true when frozen
	 */
	public synchronized boolean isFrozen() {
		try {
			return Files.readAllLines(Path.of("/proc/self/fdinfo/" + liveFd())).stream()
					.anyMatch(l -> l.startsWith("frozen:") && l.substring(7).strip().equals("1"));
		} catch (IOException e) {
			throw new BpfException("cannot read the fdinfo of map '" + name + "': " + e, Errno.EIO, e);
		}
	}

	/**
	 * Where the map is (or, for object maps declared with LIBBPF_PIN_BY_NAME, will be at load) pinned.
	 *
	 * @return the pin path, or null
	 */
	public synchronized Path pinPath() {
		if (owner == null) {
			return ownedPinPath;
		}
		ensureObjectOpen();
		String p = bpf.bpf_map__pin_path(map);
		return p == null ? null : Path.of(p);
	}

	/**
	 * Whether the map is pinned in a bpffs.
	 *
	 * @return true when pinned
	 */
	public synchronized boolean isPinned() {
		if (owner == null) {
			return ownedPinPath != null;
		}
		ensureObjectOpen();
		return bpf.bpf_map__is_pinned(map) != 0;
	}

	/**
	 * Pins the map in a bpffs.
	 *
	 * @param path where to pin; for object maps with a pin path, it must be that path
	 * @throws BpfException when the pin cannot be created (EEXIST when something is pinned there)
	 */
	public synchronized void pin(Path path) {
		String p = path.toAbsolutePath().toString();
		int rc = owner == null ? bpf.bpf_obj_pin(liveFd(), p) : bpf.bpf_map__pin(objectMap(true), p);
		if (rc < 0) {
			throw Errno.error("cannot pin map '" + name + "' at " + p, Errno.of(rc));
		}
		if (owner == null) {
			ownedPinPath = path.toAbsolutePath();
		}
	}

	/**
	 * Removes the map's pin, if it is pinned. The map lives on while something holds it.
	 *
	 * @throws BpfException when the pin cannot be removed
	 */
	public synchronized void unpin() {
		if (owner == null) {
			if (ownedPinPath != null) {
				try {
					Files.deleteIfExists(ownedPinPath);
				} catch (IOException e) {
					throw new BpfException("cannot unpin map '" + name + "' at " + ownedPinPath + ": " + e,
							Errno.EIO, e);
				}
				ownedPinPath = null;
			}
			return;
		}
		if (bpf.bpf_map__is_pinned(objectMap(false)) != 0) {
			int rc = bpf.bpf_map__unpin(map, null);
			if (rc < 0) {
				throw Errno.error("cannot unpin map '" + name + "'", -rc);
			}
		}
	}

	/**
	 * Looks a key up.
	 *
	 * @param key {@link #keySize()} bytes
	 * @return a new array of {@link #valueBufferSize()} bytes, or null when the key is absent
	 * @throws BpfException on errors other than absence
	 */
	public synchronized byte[] lookup(byte[] key) {
		byte[] value = new byte[valueBufferSize];
		return lookupInto(key, value) ? value : null;
	}

	/**
	 * Looks a key up into a caller's array, allocating nothing.
	 *
	 * @param key {@link #keySize()} bytes
	 * @param value receives the value in its first {@link #valueBufferSize()} bytes
	 * @return false when the key is absent ({@code value} is then untouched)
	 * @throws BpfException on errors other than absence
	 */
	public synchronized boolean lookupInto(byte[] key, byte[] value) {
		checkKey(key);
		if (value.length < valueBufferSize) {
			throw new IllegalArgumentException("map '" + name + "' needs a " + valueBufferSize
					+ "-byte value buffer" + perCpuNote() + ", got " + value.length);
		}
		int fd = liveFd();
		ensureOpBuffers();
		opKey.write(0, key, 0, keySize);
		int rc = MapCalls.lookup(fd, opKey, opValue);
		if (rc == -Errno.ENOENT) {
			return false;
		}
		if (rc < 0) {
			throw Errno.error("cannot look up a key in map '" + name + "'", -rc);
		}
		opValue.read(0, value, 0, valueBufferSize);
		return true;
	}

	/**
	 * Creates or replaces an entry.
	 *
	 * @param key {@link #keySize()} bytes
	 * @param value {@link #valueBufferSize()} bytes
	 * @param flag whether the key must be absent, present, or either
	 * @throws BpfException E2BIG when the map is full, EEXIST ({@link UpdateFlag#NOEXIST}) when the key exists,
	 *             ENOENT ({@link UpdateFlag#EXIST}) when it does not
	 */
	public synchronized void update(byte[] key, byte[] value, UpdateFlag flag) {
		checkKey(key);
		if (value.length != valueBufferSize) {
			throw new IllegalArgumentException("map '" + name + "' takes " + valueBufferSize + "-byte values"
					+ perCpuNote() + ", got " + value.length);
		}
		int fd = liveFd();
		ensureOpBuffers();
		opKey.write(0, key, 0, keySize);
		opValue.write(0, value, 0, valueBufferSize);
		int rc = MapCalls.update(fd, opKey, opValue, flag.value());
		if (rc < 0) {
			String why = rc == -Errno.E2BIG ? " (the map is full: " + maxEntries() + " entries)" : "";
			throw Errno.error("cannot update map '" + name + "' with " + flag + why, -rc);
		}
	}

	/**
	 * Deletes an entry.
	 *
	 * @param key {@link #keySize()} bytes
	 * @return false when the key was absent
	 * @throws BpfException on other errors (EINVAL for array maps, whose entries cannot be deleted)
	 */
	public synchronized boolean delete(byte[] key) {
		checkKey(key);
		int fd = liveFd();
		ensureOpBuffers();
		opKey.write(0, key, 0, keySize);
		int rc = MapCalls.delete(fd, opKey);
		if (rc == -Errno.ENOENT) {
			return false;
		}
		if (rc < 0) {
			throw Errno.error("cannot delete a key of map '" + name + "'", -rc);
		}
		return true;
	}

	/**
	 * Walks the keys with bpf_map_get_next_key. Keys added or deleted meanwhile may or may not be seen (deleting
	 * the current key of a hash map makes the kernel restart from the first bucket).
	 *
	 * @param action receives each key as a new array
	 */
	public synchronized void forEachKey(Consumer<byte[]> action) {
		int fd = liveFd();
		beginWalk();
		try {
			Memory cur = iterKey;
			Memory next = iterNext;
			boolean first = true;
			while (true) {
				int rc = MapCalls.nextKey(fd, first ? null : cur, next);
				if (rc == -Errno.ENOENT) {
					return;
				}
				if (rc < 0) {
					throw Errno.error("cannot walk the keys of map '" + name + "'", -rc);
				}
				first = false;
				action.accept(next.getByteArray(0, keySize));
				Memory t = cur;
				cur = next;
				next = t;
			}
		} finally {
			walking = false;
		}
	}

	/**
	 * Delivers every entry, fast: with bpf_map_lookup_batch, 4096 entries per system call, for the hash and array
	 * types; with get_next_key and lookup for the other types and kernels without batch support. A snapshot of a
	 * map being written is not atomic.
	 *
	 * @param consumer receives each entry; the buffers are valid only during the call
	 * @return the number of entries delivered
	 * @throws BpfException when the kernel fails the walk
	 */
	public synchronized long dump(EntryConsumer consumer) {
		if (type == MapType.RINGBUF) {
			throw new IllegalStateException("map '" + name + "' is a ring buffer: read it with BpfRuntime.ringBuffer");
		}
		int fd = liveFd();
		beginWalk();
		try {
			if (type.supportsBatch()) {
				long n = dumpBatch(fd, consumer);
				if (n >= 0) {
					lastDumpBatched = true;
					return n;
				}
			}
			lastDumpBatched = false;
			return dumpByKey(fd, consumer);
		} finally {
			walking = false;
		}
	}

	/**
	 * Sums one u64 counter over all CPUs: the value at {@code index} of a per-CPU array of 8-byte counters (or of
	 * a per-CPU hash with 4-byte keys).
	 *
	 * @param index the key
	 * @return the sum, 0 when the key is absent
	 */
	public synchronized long sumPerCpuLong(int index) {
		if (!type.isPerCpu() || keySize != 4 || valueSize < 8) {
			throw new IllegalStateException("map '" + name + "' is not a per-CPU map of u64 values with u32 keys ("
					+ type + ", key " + keySize + " B, value " + valueSize + " B)");
		}
		int fd = liveFd();
		ensureOpBuffers();
		opKey.setInt(0, index);
		int rc = MapCalls.lookup(fd, opKey, opValue);
		if (rc == -Errno.ENOENT) {
			return 0;
		}
		if (rc < 0) {
			throw Errno.error("cannot look up index " + index + " of map '" + name + "'", -rc);
		}
		long sum = 0;
		int stride = roundUp8(valueSize);
		for (int cpu = 0; cpu < cpus; cpu++) {
			sum += opValue.getLong((long) cpu * stride);
		}
		return sum;
	}

	/**
	 * Closes the fd of a map created or opened by {@link BpfRuntime} (a pinned map lives on in its pin) and frees
	 * the native buffers. Does nothing for a map of a {@link BpfObject}: closing the object releases it.
	 * Idempotent.
	 */
	@Override
	public synchronized void close() {
		if (owner != null || closed) {
			return;
		}
		closed = true;
		Libs.c().close(fd);
		fd = -1;
		freeBuffers();
		runtime.forget(this);
	}

	@Override
	public String toString() {
		return "BpfMap[" + name + " " + type + " key=" + keySize + " value=" + valueSize + "]";
	}

	// ---- package-private

	/** Whether the last {@link #dump} used bpf_map_lookup_batch (for tests). */
	synchronized boolean lastDumpBatched() {
		return lastDumpBatched;
	}

	/** Called by the owning object just before it frees libbpf's maps. */
	synchronized void release() {
		closed = true;
		fd = -1;
		freeBuffers();
	}

	void clearPinPath() {
		int rc = bpf.bpf_map__set_pin_path(map, null);
		if (rc < 0) {
			throw Errno.error("cannot clear the pin path of map '" + name + "'", -rc);
		}
	}

	// ---- private

	private long dumpBatch(int fd, EntryConsumer consumer) {
		ensureBatchBuffers(Math.max(MIN_BATCH_ENTRIES, Math.min(BATCH_ENTRIES, maxEntries())));
		long total = 0;
		boolean first = true;
		while (true) {
			batchCount.setInt(0, batchCapacity);
			int rc = bpf.bpf_map_lookup_batch(fd, first ? null : batchToken, batchToken, batchKeys, batchValues,
					batchCount, null);
			int n = batchCount.getInt(0);
			int err = rc < 0 ? -rc : 0;
			if (err != 0 && err != Errno.ENOENT) {
				if (err == Errno.ENOSPC && n == 0) {
					ensureBatchBuffers(batchCapacity * 2); // one hash bucket holds more entries than fit
					continue;
				}
				if (first && (err == Errno.EINVAL || err == Errno.ENOTSUPP || err == Errno.EOPNOTSUPP)) {
					return -1;
				}
				throw Errno.error("batch lookup in map '" + name + "' failed after " + total + " entries", err);
			}
			for (int i = 0; i < n; i++) {
				consumer.accept(slice(batchKeysView, i, keySize), slice(batchValuesView, i, valueBufferSize));
			}
			total += n;
			first = false;
			if (err == Errno.ENOENT || n == 0) {
				return total;
			}
		}
	}

	private long dumpByKey(int fd, EntryConsumer consumer) {
		ByteBuffer keyA = iterKey.getByteBuffer(0, keySize);
		ByteBuffer keyB = iterNext.getByteBuffer(0, keySize);
		ByteBuffer value = iterValue.getByteBuffer(0, valueBufferSize);
		Memory cur = iterKey;
		Memory next = iterNext;
		long total = 0;
		boolean first = true;
		while (true) {
			int rc = MapCalls.nextKey(fd, first ? null : cur, next);
			if (rc == -Errno.ENOENT) {
				return total;
			}
			if (rc < 0) {
				throw Errno.error("cannot walk the keys of map '" + name + "'", -rc);
			}
			first = false;
			rc = MapCalls.lookup(fd, next, iterValue);
			if (rc == 0) {
				consumer.accept(slice(next == iterKey ? keyA : keyB, 0, keySize), slice(value, 0, valueBufferSize));
				total++;
			} else if (rc != -Errno.ENOENT) { // ENOENT: deleted meanwhile
				throw Errno.error("cannot look up a key of map '" + name + "'", -rc);
			}
			Memory t = cur;
			cur = next;
			next = t;
		}
	}

	private static ByteBuffer slice(ByteBuffer whole, int index, int size) {
		return whole.slice(index * size, size).order(ByteOrder.nativeOrder());
	}

	private int liveFd() {
		if (closed) {
			throw new IllegalStateException("map '" + name + "' is closed");
		}
		if (fd < 0) {
			owner.ensureLoaded();
			int f = bpf.bpf_map__fd(map);
			if (f < 0) {
				throw new IllegalStateException("map '" + name + "' of BPF object '" + owner.name()
						+ "' was not created (is it an autocreate=false map?)");
			}
			fd = f;
		}
		return fd;
	}

	private Pointer objectMap(boolean mustBeLoaded) {
		if (mustBeLoaded) {
			liveFd();
		} else {
			ensureObjectOpen();
		}
		return map;
	}

	private void ensureObjectOpen() {
		if (closed) {
			throw new IllegalStateException("map '" + name + "' is closed");
		}
		owner.ensureOpen();
	}

	private void checkKey(byte[] key) {
		if (key.length != keySize) {
			throw new IllegalArgumentException(
					"map '" + name + "' has " + keySize + "-byte keys, got " + key.length + " bytes");
		}
	}

	private String perCpuNote() {
		return type.isPerCpu() ? " (" + roundUp8(valueSize) + " bytes for each of " + cpus + " possible CPUs)" : "";
	}

	private void beginWalk() {
		if (walking) {
			throw new IllegalStateException("map '" + name + "' is already being walked by this thread");
		}
		walking = true;
		if (iterKey == null) {
			iterKey = buffer(keySize);
			iterNext = buffer(keySize);
			iterValue = buffer(valueBufferSize);
		}
	}

	private void ensureOpBuffers() {
		if (opKey == null) {
			opKey = buffer(keySize);
			opValue = buffer(valueBufferSize);
		}
	}

	private void ensureBatchBuffers(int entries) {
		if (batchCapacity >= entries) {
			return;
		}
		closeAll(batchKeys, batchValues);
		batchKeys = buffer((long) entries * keySize);
		batchValues = buffer((long) entries * valueBufferSize);
		batchKeysView = batchKeys.getByteBuffer(0, batchKeys.size());
		batchValuesView = batchValues.getByteBuffer(0, batchValues.size());
		if (batchToken == null) {
			// The batch token is a u32 bucket for hash maps and a key for arrays.
			batchToken = buffer(Math.max(8, keySize));
			batchCount = buffer(4);
		}
		batchCapacity = entries;
	}

	private void freeBuffers() {
		closeAll(opKey, opValue, iterKey, iterNext, iterValue, batchKeys, batchValues, batchToken, batchCount);
		opKey = opValue = iterKey = iterNext = iterValue = batchKeys = batchValues = batchToken = batchCount = null;
		batchKeysView = batchValuesView = null;
		batchCapacity = 0;
	}

	private static void closeAll(Memory... buffers) {
		for (Memory m : buffers) {
			if (m != null) {
				m.close();
			}
		}
	}

	private static Memory buffer(long size) {
		Memory m = new Memory(Math.max(1, size));
		m.clear();
		return m;
	}

	private static int roundUp8(int n) {
		return (n + 7) & ~7;
	}
}
