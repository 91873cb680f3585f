package jibril.core.api;

import java.util.List;
import java.util.Map;

/**
 * What one process did to one file: the kernel's task_file relation, resolved.
 *
 * @param process  the process
 * @param path     absolute path of the file
 * @param actions  the actions seen, in the original product's order (fasync, flock, fsync, llseek, mmap, open,
 *                 read, write, rename, truncate, unlink, create, close, link, execve)
 * @param counts   how many times each action was seen
 * @param type     file type: file, dir, symlink, fifo, socket, char, block, or unknown
 * @param mode     permission bits
 * @param uid      owner
 * @param gid      group
 * @param fs       the file system type (ext4, tmpfs, …), empty when unknown
 * @param firstNs  first action, nanoseconds since the epoch
 * @param lastNs   last action, nanoseconds since the epoch
 */
public record FileRecord(ProcessRecord process, String path, List<String> actions, Map<String, Long> counts,
        String type, int mode, long uid, long gid, String fs, long firstNs, long lastNs) {
}
