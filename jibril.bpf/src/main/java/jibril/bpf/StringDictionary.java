package jibril.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jibril.bpf.layout.StringLayout;

/**
 * The kernel's strings dictionary: two maps with the same keys ({@link jibril.bpf.layout.Keys#fnv1a} of the bytes),
 * {@code strings_short} for strings of at most {@link StringLayout#SHORT_MAX} bytes (128-byte values) and
 * {@code strings} for the longer ones (1 KiB values). A key lives in one of them, chosen by its string's length.
 * The split is for the kernel: a new 1 KiB value costs it several microseconds to allocate and fill, a short one
 * a fraction of that. Not thread-safe beyond what {@link BpfMap} is: callers that share one synchronize.
 */
public final class StringDictionary {

	private final BpfMap shorts;
	private final BpfMap longs;

	/**
	 * @param shorts the strings_short map
	 * @param longs the strings map
	 */
	public StringDictionary(BpfMap shorts, BpfMap longs) {
		if (shorts.valueSize() != StringLayout.SHORT_SIZE || longs.valueSize() != StringLayout.SIZE) {
			throw new IllegalArgumentException("not a strings dictionary: value sizes " + shorts.valueSize() + " and "
					+ longs.valueSize() + ", expected " + StringLayout.SHORT_SIZE + " and " + StringLayout.SIZE);
		}
		this.shorts = shorts;
		this.longs = longs;
	}

	/**
	 * The dictionary of an object that includes the shared maps (every object built on common.h does).
	 *
	 * @param object a loaded or opened object
	 * @return its dictionary
	 */
	public static StringDictionary of(BpfObject object) {
		return new StringDictionary(object.map("strings_short"), object.map("strings"));
	}

	/** @return the map of short strings */
	public BpfMap shortMap() {
		return shorts;
	}

	/** @return the map of long strings */
	public BpfMap longMap() {
		return longs;
	}

	/**
	 * Looks a key up into a caller's buffer, allocating nothing.
	 *
	 * @param key 8 bytes, native order
	 * @param value at least {@link StringLayout#SIZE} bytes; a short string fills its first
	 *            {@link StringLayout#SHORT_SIZE} (the length field says how many data bytes are valid)
	 * @return false when the key is in neither map
	 */
	public boolean lookupInto(byte[] key, byte[] value) {
		return shorts.lookupInto(key, value) || longs.lookupInto(key, value);
	}

	/**
	 * The string under a key.
	 *
	 * @param key the dictionary key
	 * @return the text, or null when the key is unknown
	 */
	public StringLayout.Text text(long key) {
		byte[] v = new byte[StringLayout.SIZE];
		if (!lookupInto(keyBytes(key), v)) {
			return null;
		}
		return StringLayout.decode(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()));
	}

	/**
	 * Stores an encoded struct string under its key in the map its length calls for, unless the key is there.
	 *
	 * @param key 8 bytes, native order
	 * @param value {@link StringLayout#SIZE} bytes, as {@link StringLayout#encode} makes them
	 * @return false when the key was already stored
	 * @throws BpfException E2BIG when the map is full, or another error
	 */
	public boolean putIfAbsent(byte[] key, byte[] value) {
		int len = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt(StringLayout.OFF_LEN);
		try {
			if (len <= StringLayout.SHORT_MAX) {
				shorts.update(key, Arrays.copyOf(value, StringLayout.SHORT_SIZE), UpdateFlag.NOEXIST);
			} else {
				longs.update(key, value, UpdateFlag.NOEXIST);
			}
			return true;
		} catch (BpfException e) {
			if (e.errno() == 17) { // EEXIST
				return false;
			}
			throw e;
		}
	}

	/**
	 * Deletes a key from whichever map holds it.
	 *
	 * @param key 8 bytes, native order
	 * @return whether it was there
	 */
	public boolean delete(byte[] key) {
		return shorts.delete(key) | longs.delete(key);
	}

	/**
	 * Every key of both maps (a key added or deleted meanwhile may or may not be seen).
	 *
	 * @return the keys, short strings first
	 */
	public List<Long> keys() {
		List<Long> keys = new ArrayList<>();
		for (BpfMap m : List.of(shorts, longs)) {
			m.forEachKey(k -> keys.add(ByteBuffer.wrap(k).order(ByteOrder.nativeOrder()).getLong()));
		}
		return keys;
	}

	/**
	 * The capacity of each of the two maps (they are sized alike).
	 *
	 * @return max_entries of the short map
	 */
	public int maxEntries() {
		return shorts.maxEntries();
	}

	private static byte[] keyBytes(long key) {
		return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(key).array();
	}
}
