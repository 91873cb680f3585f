package jibril.bpf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibC;
import jibril.bpf.internal.Libs;

/**
 * A consumer of a BPF ring buffer map, made by {@link BpfRuntime#ringBuffer}. The ring's pages are mapped into
 * this process and read from Java, the way libbpf's consumer does in C: the producer position and each record's
 * header are read with acquire semantics, the consumer position is written with release semantics, and only the
 * wait for new records is a system call (epoll). A JNA callback per record (libbpf's {@code ring_buffer__poll})
 * cost about a microsecond each; here a record costs what its handler does. Records reach the
 * {@link RecordHandler} on the thread that calls {@link #poll} or {@link #consume}.
 *
 * <p>
 * {@link #poll}, {@link #consume} and {@link #close} synchronize on this object: closing from another thread
 * waits for a running poll (at most its timeout). A handler may call {@link #close()}; the ring is then unmapped
 * when the poll returns.
 */
public final class RingBuffer implements AutoCloseable {

	private static final int PROT_READ = 1;
	private static final int PROT_WRITE = 2;
	private static final int MAP_SHARED = 1;
	private static final int SC_PAGESIZE = 30;
	private static final int EPOLL_CLOEXEC = 0x80000;
	private static final int EPOLL_CTL_ADD = 1;
	private static final int EPOLLIN = 1;
	private static final int EINTR = 4;
	/** struct bpf_ringbuf_hdr: __u32 len (with the two flag bits), __u32 pg_off. */
	private static final int HDR_SIZE = 8;
	private static final int BUSY_BIT = 1 << 31;
	private static final int DISCARD_BIT = 1 << 30;

	private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class,
			ByteOrder.nativeOrder());
	private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class,
			ByteOrder.nativeOrder());

	private final BpfRuntime runtime;
	private final LibC c;
	private final String mapName;
	private final RecordHandler handler;
	private final long pageSize;
	private final long dataSize;
	private final long mask;
	private Pointer consumerPage;
	private Pointer producerPages;
	private ByteBuffer consumerPos;
	private ByteBuffer producerPos;
	private ByteBuffer data;
	private final Memory events = new Memory(16);
	private int epollFd = -1;
	private boolean inCall;
	private boolean closeRequested;
	private volatile long handlerErrors;
	private volatile Throwable lastHandlerError;

	RingBuffer(BpfRuntime runtime, BpfMap map, RecordHandler handler) {
		this.runtime = runtime;
		this.c = Libs.c();
		this.mapName = map.name();
		this.handler = handler;
		int fd = map.fd();
		if (fd < 0) {
			throw new IllegalStateException("ring buffer map '" + mapName + "' is not loaded");
		}
		this.pageSize = c.sysconf(SC_PAGESIZE);
		this.dataSize = Integer.toUnsignedLong(map.maxEntries());
		if (Long.bitCount(dataSize) != 1 || dataSize > (1L << 30)) {
			throw new IllegalStateException("ring buffer '" + mapName + "' has " + dataSize
					+ " bytes: a power of two up to 1 GiB is expected");
		}
		this.mask = dataSize - 1;
		try {
			// The consumer page is ours to write; the producer page and the data (mapped twice in a row, so that
			// a record that wraps around the end is contiguous) are the kernel's.
			consumerPage = mmap(pageSize, PROT_READ | PROT_WRITE, fd, 0);
			producerPages = mmap(pageSize + 2 * dataSize, PROT_READ, fd, pageSize);
			consumerPos = consumerPage.getByteBuffer(0, 8);
			producerPos = producerPages.getByteBuffer(0, 8).asReadOnlyBuffer();
			data = producerPages.getByteBuffer(pageSize, 2 * dataSize).asReadOnlyBuffer().order(ByteOrder.nativeOrder());
			epollFd = c.epoll_create1(EPOLL_CLOEXEC);
			if (epollFd < 0) {
				throw Errno.error("cannot create an epoll instance for ring buffer '" + mapName + "'",
						Libs.lastError());
			}
			Memory ev = new Memory(16);
			ev.clear();
			ev.setInt(0, EPOLLIN);
			if (c.epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, ev) < 0) {
				throw Errno.error("cannot watch ring buffer '" + mapName + "'", Libs.lastError());
			}
		} catch (RuntimeException e) {
			free();
			throw e;
		}
	}

	private Pointer mmap(long length, int prot, int fd, long offset) {
		Pointer p = c.mmap(null, length, prot, MAP_SHARED, fd, offset);
		if (p == null || Pointer.nativeValue(p) == -1L) {
			throw Errno.error("cannot map ring buffer '" + mapName + "' (" + length + " bytes at " + offset + ")",
					Libs.lastError());
		}
		return p;
	}

	/**
	 * Waits up to {@code timeoutMillis} for records and consumes all that are available.
	 *
	 * @param timeoutMillis how long to wait; 0 returns at once, -1 waits indefinitely
	 * @return the number of records consumed (0 on timeout or when interrupted by a signal)
	 * @throws BpfException on an error other than EINTR
	 * @throws IllegalStateException when closed
	 */
	public synchronized int poll(int timeoutMillis) {
		int n = call();
		if (n > 0 || timeoutMillis == 0 || closeRequested) {
			return n;
		}
		// Level-triggered: the kernel reports the ring readable while any record is unconsumed.
		int rc = c.epoll_wait(epollFd, events, 1, timeoutMillis);
		if (rc < 0) {
			int errno = Libs.lastError();
			if (errno == EINTR) {
				return 0;
			}
			throw Errno.error("cannot wait on ring buffer '" + mapName + "'", errno);
		}
		return rc == 0 ? 0 : call();
	}

	/**
	 * Consumes the records available now, without waiting.
	 *
	 * @return the number of records consumed
	 * @throws BpfException on error
	 * @throws IllegalStateException when closed
	 */
	public synchronized int consume() {
		return call();
	}

	/**
	 * How many times the handler threw. Such records are skipped; consumption goes on.
	 *
	 * @return the count since this ring buffer was opened
	 */
	public long handlerErrors() {
		return handlerErrors;
	}

	/**
	 * The most recent exception thrown by the handler.
	 *
	 * @return the exception, or null
	 */
	public Throwable lastHandlerError() {
		return lastHandlerError;
	}

	/** Unmaps the ring; the map itself belongs to its object. Idempotent. */
	@Override
	public synchronized void close() {
		if (data == null && epollFd < 0) {
			return;
		}
		if (inCall) {
			closeRequested = true; // called by the handler: unmap once the loop has let go of the ring
			return;
		}
		free();
		runtime.forget(this);
	}

	@Override
	public String toString() {
		return "RingBuffer[" + mapName + "]";
	}

	private int call() {
		if (data == null || closeRequested) {
			throw new IllegalStateException("ring buffer '" + mapName + "' is closed");
		}
		if (inCall) {
			throw new IllegalStateException("ring buffer '" + mapName + "' is polled from its own handler");
		}
		inCall = true;
		try {
			return drain();
		} finally {
			inCall = false;
			if (closeRequested) {
				free();
				runtime.forget(this);
			}
		}
	}

	/** Consumes every committed record, in order, up to the first one still being written. */
	private int drain() {
		long cons = (long) LONGS.getAcquire(consumerPos, 0);
		int count = 0;
		boolean progress = true;
		while (progress && !closeRequested) {
			progress = false;
			long prod = (long) LONGS.getAcquire(producerPos, 0);
			while (cons < prod && !closeRequested) {
				int off = (int) (cons & mask);
				int len = (int) INTS.getAcquire(data, off);
				if ((len & BUSY_BIT) != 0) {
					return count; // reserved, not yet committed: later records wait behind it
				}
				int size = len & ~(BUSY_BIT | DISCARD_BIT);
				cons += (HDR_SIZE + size + 7) & ~7L;
				if ((len & DISCARD_BIT) == 0) {
					count++;
					deliver(off + HDR_SIZE, size);
				}
				LONGS.setRelease(consumerPos, 0, cons);
				progress = true;
			}
		}
		return count;
	}

	private void deliver(int offset, int size) {
		try {
			handler.onRecord(data.slice(offset, size).order(ByteOrder.nativeOrder()));
		} catch (Throwable t) {
			// Count it, keep it for status reports, go on with the next record.
			handlerErrors++;
			lastHandlerError = t;
		}
	}

	private void free() {
		data = null;
		consumerPos = null;
		producerPos = null;
		if (producerPages != null) {
			c.munmap(producerPages, pageSize + 2 * dataSize);
			producerPages = null;
		}
		if (consumerPage != null) {
			c.munmap(consumerPage, pageSize);
			consumerPage = null;
		}
		if (epollFd >= 0) {
			c.close(epollFd);
			epollFd = -1;
		}
	}
}
