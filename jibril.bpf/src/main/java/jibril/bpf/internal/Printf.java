package jibril.bpf.internal;

import java.nio.charset.StandardCharsets;

import com.sun.jna.Memory;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/** Formats a libbpf message (printf format plus {@code va_list}) through libc {@code vsnprintf}. */
public final class Printf {

	private Printf() {
	}

	private static final int FIRST_TRY = 1024;
	/** Used where va_copy cannot be emulated: longer messages are truncated there. */
	private static final int NO_COPY_LIMIT = 64 * 1024;

	/**
	 * Size of the va_list object that a {@code va_list} argument points to, or 0 when unknown. Copying it is
	 * exactly what va_copy does on x86_64 (24-byte struct) and aarch64 (32-byte struct); it lets us measure a
	 * message with one vsnprintf and format it with a second, so long messages (verifier logs) keep their tail.
	 */
	private static final int VA_LIST_SIZE = !Platform.isLinux() ? 0
			: Platform.isIntel() && Platform.is64Bit() ? 24 : Platform.isARM() && Platform.is64Bit() ? 32 : 0;

	/** The formatted message, without its trailing newline. */
	public static String format(Pointer format, Pointer args) {
		LibC c = Libs.c();
		String s;
		if (VA_LIST_SIZE == 0) {
			try (Memory buf = new Memory(NO_COPY_LIMIT)) {
				int n = c.vsnprintf(buf, buf.size(), format, args);
				s = n < 0 ? "(unformattable libbpf message)" : string(buf, (int) Math.min(n, buf.size() - 1));
			}
		} else {
			try (Memory copy = new Memory(VA_LIST_SIZE); Memory buf = new Memory(FIRST_TRY)) {
				copy.write(0, args.getByteArray(0, VA_LIST_SIZE), 0, VA_LIST_SIZE);
				int n = c.vsnprintf(buf, buf.size(), format, copy);
				if (n < 0) {
					s = "(unformattable libbpf message)";
				} else if (n < FIRST_TRY) {
					s = string(buf, n);
				} else {
					try (Memory big = new Memory(n + 1L)) {
						c.vsnprintf(big, big.size(), format, args);
						s = string(big, n);
					}
				}
			}
		}
		return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
	}

	private static String string(Memory buf, int len) {
		return new String(buf.getByteArray(0, len), StandardCharsets.UTF_8);
	}
}
