package jibril.bpf;

import java.nio.ByteOrder;

import com.sun.jna.Pointer;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.LibBpf;
import jibril.bpf.internal.Libs;

/**
 * A consumer of a BPF ring buffer map (libbpf's {@code struct ring_buffer}), made by
 * {@link BpfRuntime#ringBuffer}. Records reach the {@link RecordHandler} on the thread that calls {@link #poll} or
 * {@link #consume}; a JNA callback costs about a microsecond per record, so one consumer handles up to roughly a
 * million records per second.
 *
 * <p>
 * {@link #poll}, {@link #consume} and {@link #close} synchronize on this object: closing from another thread
 * waits for a running poll (at most its timeout). A handler may call {@link #close()}; the ring is then freed
 * when the poll returns.
 */
public final class RingBuffer implements AutoCloseable {

	private final BpfRuntime runtime;
	private final LibBpf bpf;
	private final String mapName;
	private final RecordHandler handler;
	/** Strong reference: libbpf only holds the native trampoline, which dies with this object. */
	private final LibBpf.SampleFn sample;
	private Pointer rb;
	private boolean inCall;
	private boolean closeRequested;
	private volatile long handlerErrors;
	private volatile Throwable lastHandlerError;

	RingBuffer(BpfRuntime runtime, LibBpf bpf, BpfMap map, RecordHandler handler) {
		this.runtime = runtime;
		this.bpf = bpf;
		this.mapName = map.name();
		this.handler = handler;
		this.sample = new Sample();
		int fd = map.fd();
		if (fd < 0) {
			throw new IllegalStateException("ring buffer map '" + mapName + "' is not loaded");
		}
		this.rb = bpf.ring_buffer__new(fd, sample, null, null);
		if (rb == null) {
			throw Errno.error("cannot open ring buffer '" + mapName + "'", Libs.lastError());
		}
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
		return call(true, timeoutMillis);
	}

	/**
	 * Consumes the records available now, without waiting.
	 *
	 * @return the number of records consumed
	 * @throws BpfException on error
	 * @throws IllegalStateException when closed
	 */
	public synchronized int consume() {
		return call(false, 0);
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

	/** Frees the consumer (ring_buffer__free); the map itself belongs to its object. Idempotent. */
	@Override
	public synchronized void close() {
		if (rb == null) {
			return;
		}
		if (inCall) {
			closeRequested = true; // called by the handler: free once libbpf has returned
			return;
		}
		free();
	}

	@Override
	public String toString() {
		return "RingBuffer[" + mapName + "]";
	}

	private int call(boolean poll, int timeoutMillis) {
		if (rb == null || closeRequested) {
			throw new IllegalStateException("ring buffer '" + mapName + "' is closed");
		}
		if (inCall) {
			throw new IllegalStateException("ring buffer '" + mapName + "' is polled from its own handler");
		}
		int rc;
		inCall = true;
		try {
			rc = poll ? bpf.ring_buffer__poll(rb, timeoutMillis) : bpf.ring_buffer__consume(rb);
		} finally {
			inCall = false;
			if (closeRequested) {
				free();
			}
		}
		if (rc == -Errno.EINTR) {
			return 0;
		}
		if (rc < 0) {
			throw Errno.error("cannot read ring buffer '" + mapName + "'", -rc);
		}
		return rc;
	}

	/** libbpf's sample callback; runs on the thread inside poll or consume, which holds this object's lock. */
	private final class Sample implements LibBpf.SampleFn {
		@Override
		public int invoke(Pointer ctx, Pointer data, long size) {
			try {
				handler.onRecord(data.getByteBuffer(0, size).order(ByteOrder.nativeOrder()));
			} catch (Throwable t) {
				// Nothing may unwind into libbpf: count it, keep it for status reports, go on with the next record.
				handlerErrors++;
				lastHandlerError = t;
			}
			return 0;
		}
	}

	private void free() {
		bpf.ring_buffer__free(rb);
		rb = null;
		runtime.forget(this);
	}
}
