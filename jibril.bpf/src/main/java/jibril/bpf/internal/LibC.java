package jibril.bpf.internal;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/** The few libc functions the binding needs, mapped through JNA. */
public interface LibC extends Library {

	int geteuid();

	/** {@code ts} receives a {@code struct timespec}: seconds and nanoseconds (64-bit each on LP64). */
	int clock_gettime(int clock, long[] ts);

	int vsnprintf(Pointer buf, long size, Pointer format, Pointer args);

	int close(int fd);

	/** read(2): bytes read, 0 at the end, -1 with errno set. */
	long read(int fd, Pointer buf, long count);

	/** open(2) without O_CREAT (so without a mode). */
	int open(String path, int flags);

	/** mmap(2); MAP_FAILED is a pointer whose address is -1. */
	Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

	int munmap(Pointer addr, long length);

	long sysconf(int name);

	int epoll_create1(int flags);

	/** epoll_ctl(2); {@code event} is a struct epoll_event (events first; 12 bytes on x86-64, 16 elsewhere). */
	int epoll_ctl(int epfd, int op, int fd, Pointer event);

	int epoll_wait(int epfd, Pointer events, int maxEvents, int timeoutMillis);
}
