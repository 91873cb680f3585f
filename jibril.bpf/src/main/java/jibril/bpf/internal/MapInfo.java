package jibril.bpf.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.jna.Memory;

/**
 * What the kernel says about a map fd ({@code struct bpf_map_info}, read with bpf_obj_get_info_by_fd: libbpf 1.1
 * has no bpf_map_get_info_by_fd yet).
 *
 * @param type enum bpf_map_type
 * @param id the kernel's map id
 * @param keySize key size in bytes
 * @param valueSize value size in bytes (per CPU for per-CPU maps)
 * @param maxEntries capacity
 * @param flags map_flags
 * @param name the kernel's name (at most 15 characters)
 */
public record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name) {

	/** sizeof(struct bpf_map_info) in the UAPI headers Jibril is built against; the kernel accepts a smaller one. */
	private static final int SIZE = 88;
	private static final int NAME_OFFSET = 24;
	private static final int NAME_LEN = 16;

	/** Reads the info of a map fd; throws BpfException when the kernel refuses. */
	public static MapInfo of(int fd) {
		try (Memory info = new Memory(SIZE); Memory len = new Memory(4)) {
			info.clear();
			len.setInt(0, SIZE);
			int rc = Libs.bpf().bpf_obj_get_info_by_fd(fd, info, len);
			if (rc < 0) {
				throw Errno.error("cannot read the info of map fd " + fd, Errno.of(rc));
			}
			byte[] name = info.getByteArray(NAME_OFFSET, NAME_LEN);
			int n = 0;
			while (n < NAME_LEN && name[n] != 0) {
				n++;
			}
			return new MapInfo(info.getInt(0), info.getInt(4), info.getInt(8), info.getInt(12), info.getInt(16),
					info.getInt(20), new String(name, 0, n, StandardCharsets.UTF_8));
		}
	}

	/** Whether an fd refers to a BPF map (its /proc/self/fdinfo entry has a map_type line). */
	public static boolean isMapFd(int fd) {
		try {
			return Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
					.anyMatch(l -> l.startsWith("map_type:"));
		} catch (IOException e) {
			return false;
		}
	}
}
