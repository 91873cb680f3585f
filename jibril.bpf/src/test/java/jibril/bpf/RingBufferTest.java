package jibril.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.layout.NoticeLayout;

/**
 * Ring buffer consumption: misbehaving handlers, on tasks.bpf.o loaded without any pinning; order, sizes, wraps,
 * discarded and dropped records, on the ringfill.bpf.o fixture.
 */
class RingBufferTest {

	private static final Path DEFAULT_PIN = Path.of("/sys/fs/bpf/tasks");

	private BpfRuntime runtime;
	private BpfObject object;
	private Path tmp;

	@BeforeEach
	void setUp() throws Exception {
		KernelSupport.assumeEbpf();
		tmp = Files.createTempDirectory("jibril-bpf-test-");
		runtime = new BpfRuntime((level, message) -> {
		});
	}

	@AfterEach
	void tearDown() throws Exception {
		try {
			KernelSupport.closeAll(object, runtime);
		} finally {
			KernelSupport.deleteTree(tmp);
		}
	}

	private void loadUnpinned() {
		boolean pinnedBefore = Files.exists(DEFAULT_PIN);
		object = runtime.openBundled("tasks", null);
		for (BpfMap m : object.maps()) {
			assertNull(m.pinPath(), m.name() + " has no pin path when the pin root is null");
		}
		object.map("tasks").setMaxEntries(4096);
		object.load();
		for (BpfMap m : object.maps()) {
			assertFalse(m.isPinned(), m.name());
		}
		assertEquals(pinnedBefore, Files.exists(DEFAULT_PIN), "nothing pinned under /sys/fs/bpf by accident");
		object.attachAll();
	}

	private void execTrue() throws Exception {
		Path exe = KernelSupport.uniqueCopy(Path.of("/bin/true"), tmp);
		Process p = new ProcessBuilder(exe.toString()).start();
		assertTrue(p.waitFor(5, TimeUnit.SECONDS));
	}

	@Test
	void handlerExceptionsAreCountedNotPropagated() throws Exception {
		loadUnpinned();
		AtomicInteger calls = new AtomicInteger();
		try (RingBuffer ring = runtime.ringBuffer(object.map("notices"), r -> {
			calls.incrementAndGet();
			assertEquals(NoticeLayout.SIZE, r.remaining());
			throw new IllegalStateException("boom");
		})) {
			for (int i = 0; i < 3; i++) {
				execTrue();
			}
			long consumed = 0;
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			while (calls.get() < 3 && System.nanoTime() < deadline) {
				consumed += ring.poll(100);
			}
			consumed += ring.consume();
			assertTrue(calls.get() >= 3, "records delivered: " + calls.get());
			assertEquals(calls.get(), ring.handlerErrors(), "every throw is counted");
			assertEquals(calls.get(), consumed, "poll and consume count every record, handled or not");
			assertEquals("boom", ring.lastHandlerError().getMessage());
		}
	}

	@Test
	void aHandlerMayCloseItsRingBuffer() throws Exception {
		loadUnpinned();
		RingBuffer[] self = new RingBuffer[1];
		AtomicInteger calls = new AtomicInteger();
		self[0] = runtime.ringBuffer(object.map("notices"), r -> {
			calls.incrementAndGet();
			self[0].close();
		});
		execTrue();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (calls.get() == 0 && System.nanoTime() < deadline) {
			self[0].poll(100);
		}
		assertTrue(calls.get() >= 1);
		assertEquals(0, self[0].handlerErrors());
		assertThrows(IllegalStateException.class, () -> self[0].poll(0), "closed once the poll returned");
		self[0].close();
	}

	/** getppid through JNA: each call of this process makes one record of ringfill.bpf.o. */
	public interface Getppid extends com.sun.jna.Library {
		int getppid();
	}

	private static final Path RINGFILL = Path.of("target/test-classes/jibril/bpf/testobj/ringfill.bpf.o");

	private static byte[] u64(long v) {
		return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putLong(0, v).array();
	}

	private static long u64(byte[] b) {
		return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).getLong(0);
	}

	@Test
	void recordsOfEverySizeArriveInOrderAcrossManyWrapsAndDiscardedOnesAreSkipped() throws Exception {
		object = runtime.open("ringfill", Files.readAllBytes(RINGFILL), null);
		object.load();
		BpfMap target = object.map("target");
		target.update(u32(0), u64(ProcessHandle.current().pid()), UpdateFlag.ANY);
		object.attachAll();
		Getppid libc = com.sun.jna.Native.load("c", Getppid.class);
		long[] expected = { 0 };
		AtomicInteger bad = new AtomicInteger();
		StringBuilder firstBad = new StringBuilder();
		try (RingBuffer ring = runtime.ringBuffer(object.map("ring"), r -> {
			long seq = r.getLong(0);
			while (expected[0] % 7 == 6) {
				expected[0]++; // discarded by the program: never delivered
			}
			int len = (int) (seq * 37) & 0xff;
			len = len > 200 ? len - 56 : len; // as ringfill.bpf.c sizes it
			boolean ok = seq == expected[0] && r.remaining() == 8 + len;
			for (int i = 0; ok && i < len; i++) {
				ok = r.get(8 + i) == (byte) (seq + i);
			}
			if (!ok && bad.getAndIncrement() == 0) {
				firstBad.append("expected seq ").append(expected[0]).append(", got ").append(seq).append(" of ")
						.append(r.remaining()).append(" bytes");
			}
			expected[0] = seq + 1;
		})) {
			// 16 KiB of ring, up to 216 bytes a record: 40 calls between reads fit, 60000 calls wrap it ~400 times.
			long delivered = 0;
			for (int round = 0; round < 1500; round++) {
				for (int i = 0; i < 40; i++) {
					libc.getppid();
				}
				delivered += round % 2 == 0 ? ring.consume() : ring.poll(1000);
			}
			long made = u64(target.lookup(u32(1)));
			assertEquals(60_000, made, "the program saw every call");
			assertEquals(0, u64(target.lookup(u32(2))), "nothing was lost: the ring was read often enough");
			assertEquals(0, bad.get(), firstBad.toString());
			assertEquals(60_000 - 60_000 / 7, delivered, "every record but the discarded ones, each once");
			assertEquals(0, ring.poll(0), "nothing left");
			assertEquals(0, ring.handlerErrors());
		}
	}

	@Test
	void aFullRingDropsInTheKernelAndTheConsumerGoesOnWithWhatIsThere() throws Exception {
		object = runtime.open("ringfill", Files.readAllBytes(RINGFILL), null);
		object.load();
		BpfMap target = object.map("target");
		target.update(u32(0), u64(ProcessHandle.current().pid()), UpdateFlag.ANY);
		object.attachAll();
		Getppid libc = com.sun.jna.Native.load("c", Getppid.class);
		AtomicInteger got = new AtomicInteger();
		try (RingBuffer ring = runtime.ringBuffer(object.map("ring"), r -> got.incrementAndGet())) {
			for (int i = 0; i < 2000; i++) {
				libc.getppid(); // far more than 16 KiB without a read
			}
			long lost = u64(target.lookup(u32(2)));
			assertTrue(lost > 0, "the ring filled up");
			int n = 0;
			for (int r; (r = ring.poll(0)) > 0;) {
				n += r;
			}
			assertEquals(n, got.get());
			long discarded = java.util.stream.LongStream.range(0, 2000).filter(s -> s % 7 == 6).count();
			assertTrue(n > 0 && n <= 2000 - lost, n + " delivered, " + lost + " lost");
			assertTrue(n + lost >= 2000 - discarded, "what was not lost was delivered: " + n + " + " + lost);
			for (int i = 0; i < 10; i++) {
				libc.getppid();
			}
			assertTrue(ring.poll(1000) > 0, "room again once read");
		}
	}

	private static byte[] u32(int v) {
		return java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(0, v).array();
	}
}
