package jibril.bpf;

import java.util.HashMap;
import java.util.Map;

import com.sun.jna.Memory;

import jibril.bpf.internal.Errno;
import jibril.bpf.internal.Libs;

/**
 * Exact entry counts of the host's BPF maps, read in one pass of a bpf_map iterator (the bundled object
 * {@code mapcount}, compiled from {@code src/main/bpf/mapcount.bpf.c}) that reports the kernel's own element
 * counter of every map (Linux 6.6+; hash and LRU maps keep it on every insert and delete). Reading costs a few
 * microseconds per map on the host, instead of a walk of every entry with batched lookups (about 0.3 µs an entry),
 * so fill levels can be watched continuously. Made by {@link BpfRuntime#mapCounter()}; thread-safe.
 */
public final class MapCounter implements AutoCloseable {

	/** The bundled object holding the iterator program. */
	static final String OBJECT = "mapcount";
	static final String PROGRAM = "jibril_map_count";
	/** struct map_count of mapcount.bpf.c: u32 id, u32 pad, s64 entries. */
	static final int RECORD_SIZE = 16;
	private static final int READ_BUFFER = 64 * RECORD_SIZE;

	private final BpfRuntime runtime;
	private final BpfObject object;
	private final BpfLink link;
	private final Memory buffer = new Memory(READ_BUFFER);
	private boolean closed;

	MapCounter(BpfRuntime runtime) {
		this.runtime = runtime;
		BpfObject o = runtime.openBundled(OBJECT, null);
		try {
			o.load();
			this.link = o.program(PROGRAM).attach();
		} catch (RuntimeException e) {
			o.close();
			throw e;
		}
		this.object = o;
	}

	/**
	 * The entry count of every map the kernel holds now, by map id. Maps that keep no count (arrays, ring
	 * buffers, and hash maps on kernels before 6.6) read 0.
	 *
	 * @return map id to entries
	 * @throws BpfException when the iterator cannot be read
	 */
	public synchronized Map<Integer, Long> counts() {
		if (closed) {
			throw new IllegalStateException("the map counter is closed");
		}
		int fd = Libs.bpf().bpf_iter_create(link.fd());
		if (fd < 0) {
			throw Errno.error("cannot start the map-count iterator", Errno.of(fd));
		}
		Map<Integer, Long> out = new HashMap<>();
		try {
			// A record never straddles two reads: the kernel's seq_file hands out whole records.
			byte[] chunk = new byte[READ_BUFFER];
			while (true) {
				long n = Libs.c().read(fd, buffer, READ_BUFFER);
				if (n < 0) {
					int errno = Libs.lastError();
					if (errno == Errno.EINTR || errno == Errno.EAGAIN) {
						continue;
					}
					throw new BpfException("cannot read the map-count iterator: " + Errno.describe(errno), errno);
				}
				if (n == 0) {
					return out;
				}
				buffer.read(0, chunk, 0, (int) n);
				java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(chunk, 0, (int) n)
						.order(java.nio.ByteOrder.nativeOrder());
				for (int off = 0; off + RECORD_SIZE <= n; off += RECORD_SIZE) {
					out.put(b.getInt(off), Math.max(0, b.getLong(off + 8)));
				}
			}
		} finally {
			Libs.c().close(fd);
		}
	}

	/**
	 * The entry count of one map.
	 *
	 * @param map a loaded map
	 * @return its entries now, 0 for maps that keep no count
	 */
	public long entries(BpfMap map) {
		return counts().getOrDefault(map.id(), 0L);
	}

	/** Detaches the iterator and frees its program. Idempotent. */
	@Override
	public synchronized void close() {
		if (closed) {
			return;
		}
		closed = true;
		buffer.close();
		object.close();
		runtime.forget(this);
	}

	synchronized boolean isClosed() {
		return closed;
	}
}
