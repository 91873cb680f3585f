package jibril.bpf.layout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct file_info}: the value of the files map. Key: the path key, the strings key of the file's absolute
 * path ({@link Keys#stringKey(String)}). How paths are made (dentry walk for open files, lexical for names given to
 * unlink, rename, link and truncate, so "." and ".." are left for userland to normalise) is described in the Files
 * section of jibril.h.
 */
public final class FileLayout {

	private FileLayout() {
	}

	/** sizeof(struct file_info). */
	public static final int SIZE = 64;

	/** Offset of {@code __u64 path_key}. */
	public static final int OFF_PATH_KEY = 0;
	/** Offset of {@code __u64 fs_key}. */
	public static final int OFF_FS_KEY = 8;
	/** Offset of {@code __u64 ino}. */
	public static final int OFF_INO = 16;
	/** Offset of {@code __u64 first_ns}. */
	public static final int OFF_FIRST_NS = 24;
	/** Offset of {@code __u64 last_ns}. */
	public static final int OFF_LAST_NS = 32;
	/** Offset of {@code __u32 dev}. */
	public static final int OFF_DEV = 40;
	/** Offset of {@code __u32 mnt_id}. */
	public static final int OFF_MNT_ID = 44;
	/** Offset of {@code __u32 mode}. */
	public static final int OFF_MODE = 48;
	/** Offset of {@code __u32 uid}. */
	public static final int OFF_UID = 52;
	/** Offset of {@code __u32 gid}. */
	public static final int OFF_GID = 56;
	/** Offset of {@code __u32 flags}. */
	public static final int OFF_FLAGS = 60;

	/** FILE_PATH_TRUNC: the path was truncated; the key names a prefix (or a suffix, for a too deep walk). */
	public static final int FLAG_PATH_TRUNC = 1;
	/** FILE_NO_INODE: only ever seen by name (unlink, rename, link, truncate): dev, ino, mode, uid, gid are 0. */
	public static final int FLAG_NO_INODE = 2;

	/** S_IFMT: the file type bits of a mode. */
	public static final int S_IFMT = 0170000;

	/**
	 * Decodes a struct file_info; the same as {@link FileInfo#decode(ByteBuffer)}.
	 *
	 * @param b at least {@link #SIZE} bytes from its position
	 * @return the file
	 */
	public static FileInfo decode(ByteBuffer b) {
		return FileInfo.decode(b);
	}

	/**
	 * A device number as the kernel keeps it (major &lt;&lt; 20 | minor) in the encoding of stat(2)'s st_dev
	 * (glibc's makedev), which is what {@code Files.getAttribute(path, "unix:dev")} returns.
	 *
	 * @param kernelDev the dev of a file_info
	 * @return st_dev
	 */
	public static long statDev(int kernelDev) {
		long major = Integer.toUnsignedLong(kernelDev) >>> 20;
		long minor = kernelDev & 0xfffffL;
		return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
	}

	/**
	 * A decoded {@code struct file_info}.
	 *
	 * @param pathKey own key: the strings key of the absolute path
	 * @param fsKey strings key of the filesystem type name (e.g. "ext4"), 0 if unknown
	 * @param ino inode number
	 * @param firstNs first time the file was resolved, CLOCK_BOOTTIME ns
	 * @param lastNs last time the file was resolved (open, cache miss, path syscall), CLOCK_BOOTTIME ns
	 * @param dev device in the kernel's encoding, major &lt;&lt; 20 | minor (see {@link FileLayout#statDev})
	 * @param mntId the mount's id, as in /proc/[pid]/mountinfo
	 * @param mode type and permission bits
	 * @param uid owner
	 * @param gid group
	 * @param flags FLAG_* bits
	 */
	public record FileInfo(long pathKey, long fsKey, long ino, long firstNs, long lastNs, int dev, int mntId, int mode,
			int uid, int gid, int flags) {

		/**
		 * Decodes a struct file_info starting at the buffer's position (native byte order; the buffer is not
		 * modified).
		 *
		 * @param b at least {@link #SIZE} bytes from its position
		 * @return the file
		 */
		public static FileInfo decode(ByteBuffer b) {
			ByteBuffer f = b.duplicate().order(ByteOrder.nativeOrder());
			int p = f.position();
			return new FileInfo(f.getLong(p + OFF_PATH_KEY), f.getLong(p + OFF_FS_KEY), f.getLong(p + OFF_INO),
					f.getLong(p + OFF_FIRST_NS), f.getLong(p + OFF_LAST_NS), f.getInt(p + OFF_DEV),
					f.getInt(p + OFF_MNT_ID), f.getInt(p + OFF_MODE), f.getInt(p + OFF_UID), f.getInt(p + OFF_GID),
					f.getInt(p + OFF_FLAGS));
		}

		/**
		 * Whether a flag is set.
		 *
		 * @param flag one of the FLAG_* constants
		 * @return true when set
		 */
		public boolean has(int flag) {
			return (flags & flag) != 0;
		}

		/**
		 * The device major number.
		 *
		 * @return dev &gt;&gt; 20
		 */
		public int devMajor() {
			return dev >>> 20;
		}

		/**
		 * The device minor number.
		 *
		 * @return dev &amp; 0xfffff
		 */
		public int devMinor() {
			return dev & 0xfffff;
		}

		/**
		 * The permission bits.
		 *
		 * @return mode &amp; 07777
		 */
		public int permissions() {
			return mode & 07777;
		}

		/**
		 * The file type.
		 *
		 * @return "file", "directory", "symlink", "char", "block", "fifo", "socket", or "unknown" (also for
		 *         {@link FileLayout#FLAG_NO_INODE})
		 */
		public String type() {
			return switch (mode & S_IFMT) {
			case 0100000 -> "file";
			case 0040000 -> "directory";
			case 0120000 -> "symlink";
			case 0020000 -> "char";
			case 0060000 -> "block";
			case 0010000 -> "fifo";
			case 0140000 -> "socket";
			default -> "unknown";
			};
		}
	}
}
