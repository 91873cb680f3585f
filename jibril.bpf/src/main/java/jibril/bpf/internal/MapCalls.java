package jibril.bpf.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * libbpf's per-element map calls through JNA direct mapping: the data layer makes hundreds of thousands of them a
 * second, and the interface proxy of {@link LibBpf} spent about half a microsecond of reflection on each, a third
 * of the call (measured here: 1.7 us through the proxy, 1.2 us direct, the system call being most of the rest).
 * Same semantics as the {@link LibBpf} methods of the same names: -errno on failure.
 */
public final class MapCalls {

	private MapCalls() {
	}

	private static final class Holder {
		static {
			Native.register(Holder.class, NativeLibrary.getInstance("libbpf.so.1"));
		}

		static native int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

		static native int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

		static native int bpf_map_delete_elem(int fd, Pointer key);

		static native int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);
	}

	/** bpf_map_lookup_elem. */
	public static int lookup(int fd, Pointer key, Pointer value) {
		return Holder.bpf_map_lookup_elem(fd, key, value);
	}

	/** bpf_map_update_elem. */
	public static int update(int fd, Pointer key, Pointer value, long flags) {
		return Holder.bpf_map_update_elem(fd, key, value, flags);
	}

	/** bpf_map_delete_elem. */
	public static int delete(int fd, Pointer key) {
		return Holder.bpf_map_delete_elem(fd, key);
	}

	/** bpf_map_get_next_key. */
	public static int nextKey(int fd, Pointer key, Pointer nextKey) {
		return Holder.bpf_map_get_next_key(fd, key, nextKey);
	}
}
