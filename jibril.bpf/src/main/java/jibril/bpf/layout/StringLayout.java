package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code struct string}: the value of the strings dictionary (key: {@link Keys#fnv1a} of the bytes). Holds an
 * executable's absolute path or a NUL-separated argument vector.
 */
public final class StringLayout {

	private StringLayout() {
	}

	/** sizeof(struct string). */
	public static final int SIZE = 1032;
	/** STR_MAX: the most bytes kept; longer strings are truncated and flagged. */
	public static final int STR_MAX = 1024;

	/** STR_SHORT: strings of at most this many bytes are stored in strings_short (see {@link jibril.bpf.StringDictionary}). */
	public static final int SHORT_MAX = 120;
	/** sizeof(struct short_string): the first bytes of a struct string. */
	public static final int SHORT_SIZE = 128;

	/** Offset of {@code __u32 len}. */
	public static final int OFF_LEN = 0;
	/** Offset of {@code __u32 flags}. */
	public static final int OFF_FLAGS = 4;
	/** Offset of {@code char data[STR_MAX]}. */
	public static final int OFF_DATA = 8;

	/** flags bit: the string was truncated to fit. */
	public static final int FLAG_TRUNCATED = 1;

	/**
	 * A decoded {@code struct string}.
	 *
	 * @param text the {@code len} bytes of data as UTF-8 (malformed sequences replaced; NULs kept)
	 * @param truncated whether the kernel truncated it
	 */
	public record Text(String text, boolean truncated) {

		/**
		 * The NUL-separated parts, as of an argument vector; a trailing NUL does not add an empty part.
		 *
		 * @return the parts
		 */
		public List<String> parts() {
			if (text.isEmpty()) {
				return List.of();
			}
			List<String> parts = new ArrayList<>(Arrays.asList(text.split("\0", -1)));
			if (parts.getLast().isEmpty()) {
				parts.removeLast();
			}
			return List.copyOf(parts);
		}
	}

	/**
	 * Decodes a struct string starting at the buffer's position (native byte order; the buffer is not modified).
	 *
	 * @param b at least {@code 8 + len} bytes from its position
	 * @return the text
	 */
	public static Text decode(ByteBuffer b) {
		ByteBuffer s = b.duplicate().order(ByteOrder.nativeOrder());
		int p = s.position();
		int len = Math.min(Math.max(0, s.getInt(p + OFF_LEN)), STR_MAX);
		byte[] data = new byte[len];
		s.get(p + OFF_DATA, data);
		return new Text(new String(data, StandardCharsets.UTF_8), (s.getInt(p + OFF_FLAGS) & FLAG_TRUNCATED) != 0);
	}

	/**
	 * Encodes a struct string as the kernel lays it out; data of {@link #STR_MAX} bytes or more is cut to
	 * STR_MAX - 1 and flagged truncated, as the kernel cuts argument vectors. The dictionary key of the result is {@code Keys.fnv1a(data, len)}.
	 *
	 * @param data the bytes
	 * @return {@link #SIZE} bytes in native byte order
	 */
	public static byte[] encode(byte[] data) {
		int len = Math.min(data.length, STR_MAX - 1);
		ByteBuffer s = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
		s.putInt(OFF_LEN, len).putInt(OFF_FLAGS, len < data.length ? FLAG_TRUNCATED : 0);
		s.put(OFF_DATA, data, 0, len);
		return s.array();
	}

	/** A NUL-terminated string of at most {@code max} bytes at an absolute index, as UTF-8. */
	static String cString(ByteBuffer b, int index, int max) {
		int n = 0;
		while (n < max && b.get(index + n) != 0) {
			n++;
		}
		byte[] bytes = new byte[n];
		b.get(index, bytes);
		return new String(bytes, StandardCharsets.UTF_8);
	}
}
