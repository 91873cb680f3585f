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

/** Ring buffer consumption with misbehaving handlers, on tasks.bpf.o loaded without any pinning. */
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
}
