package jibril.bpf;

import static jibril.bpf.KernelSupport.u32;
import static jibril.bpf.KernelSupport.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.internal.Errno;

/** Maps created by the runtime: element operations, errors, walks and batch dumps, per-CPU values, pins. */
class MapTest {

	private static final int ENTRIES = 200_000;

	private BpfRuntime runtime;
	private Path pinRoot;

	@BeforeEach
	void setUp() {
		KernelSupport.assumeEbpf();
		runtime = new BpfRuntime((level, message) -> {
		});
		pinRoot = KernelSupport.uniquePinRoot();
	}

	@AfterEach
	void tearDown() throws Exception {
		KernelSupport.closeAll(runtime);
		if (pinRoot != null) {
			BpfRuntime.unpinAll(pinRoot);
		}
	}

	/** value of key k: (k, ~k) */
	private static byte[] valueOf(long k) {
		return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(k).putLong(~k).array();
	}

	@Test
	void hashMapOfTwoHundredThousandEntries() {
		try (BpfMap map = runtime.createMap(MapType.HASH, "jt_hash", 8, 16, ENTRIES)) {
			assertEquals("jt_hash", map.name());
			assertEquals(MapType.HASH, map.type());
			assertEquals(8, map.keySize());
			assertEquals(16, map.valueSize());
			assertEquals(16, map.valueBufferSize());
			assertEquals(ENTRIES, map.maxEntries());
			assertTrue(map.fd() >= 0);

			for (long k = 1; k <= ENTRIES; k++) {
				map.update(u64(k), valueOf(k), UpdateFlag.ANY);
			}
			assertArrayEquals(valueOf(77), map.lookup(u64(77)));
			byte[] into = new byte[16];
			assertTrue(map.lookupInto(u64(ENTRIES), into));
			assertArrayEquals(valueOf(ENTRIES), into);
			assertNull(map.lookup(u64(0)));
			assertFalse(map.lookupInto(u64(ENTRIES + 1), into));

			BpfException exists = assertThrows(BpfException.class,
					() -> map.update(u64(5), valueOf(5), UpdateFlag.NOEXIST));
			assertEquals(Errno.EEXIST, exists.errno());
			assertTrue(exists.getMessage().contains("EEXIST"), exists.getMessage());
			BpfException full = assertThrows(BpfException.class,
					() -> map.update(u64(ENTRIES + 1), valueOf(0), UpdateFlag.ANY));
			assertEquals(Errno.E2BIG, full.errno());
			assertTrue(full.getMessage().contains("full"), full.getMessage());
			map.update(u64(5), valueOf(55), UpdateFlag.EXIST);
			assertArrayEquals(valueOf(55), map.lookup(u64(5)));
			map.update(u64(5), valueOf(5), UpdateFlag.ANY);

			AtomicLong keys = new AtomicLong();
			map.forEachKey(k -> keys.incrementAndGet());
			assertEquals(ENTRIES, keys.get());

			BitSet seen = new BitSet(ENTRIES + 1);
			AtomicLong wrong = new AtomicLong();
			long dumped = map.dump((key, value) -> {
				long k = key.getLong(0);
				if (value.getLong(0) != k || value.getLong(8) != ~k || seen.get((int) k)) {
					wrong.incrementAndGet();
				}
				seen.set((int) k);
			});
			assertTrue(map.lastDumpBatched(), "a hash map is dumped with bpf_map_lookup_batch");
			assertEquals(ENTRIES, dumped);
			assertEquals(ENTRIES, seen.cardinality());
			assertFalse(seen.get(0));
			assertEquals(0, wrong.get());

			assertTrue(map.delete(u64(9)));
			assertFalse(map.delete(u64(9)));
			BpfException absent = assertThrows(BpfException.class,
					() -> map.update(u64(9), valueOf(9), UpdateFlag.EXIST));
			assertEquals(Errno.ENOENT, absent.errno());
			assertEquals(ENTRIES - 1, map.dump((k, v) -> {
			}));
			map.update(u64(ENTRIES + 1), valueOf(ENTRIES + 1), UpdateFlag.NOEXIST); // room again
		}
	}

	@Test
	void wrongSizesAreRejectedBeforeTheKernel() {
		try (BpfMap map = runtime.createMap(MapType.HASH, "jt_sizes", 8, 16, 4)) {
			assertThrows(IllegalArgumentException.class, () -> map.lookup(new byte[4]));
			assertThrows(IllegalArgumentException.class, () -> map.update(u64(1), new byte[8], UpdateFlag.ANY));
			assertThrows(IllegalArgumentException.class, () -> map.lookupInto(u64(1), new byte[15]));
		}
	}

	@Test
	void perCpuArraySumsAllCpus() {
		int cpus = BpfRuntime.possibleCpus();
		try (BpfMap map = runtime.createMap(MapType.PERCPU_ARRAY, "jt_percpu", 4, 8, 4)) {
			assertEquals(8 * cpus, map.valueBufferSize());
			ByteBuffer v = ByteBuffer.allocate(map.valueBufferSize()).order(ByteOrder.nativeOrder());
			for (int cpu = 0; cpu < cpus; cpu++) {
				v.putLong(cpu * 8, cpu + 1);
			}
			map.update(u32(2), v.array(), UpdateFlag.ANY);
			assertEquals((long) cpus * (cpus + 1) / 2, map.sumPerCpuLong(2));
			assertEquals(0, map.sumPerCpuLong(0));
			assertEquals(4, map.dump((key, value) -> assertEquals(8 * cpus, value.remaining())));
			assertTrue(map.lastDumpBatched());
		}
		try (BpfMap plain = runtime.createMap(MapType.ARRAY, "jt_array", 4, 8, 10)) {
			assertThrows(IllegalStateException.class, () -> plain.sumPerCpuLong(0));
			assertEquals(10, plain.dump((k, v) -> {
			}));
		}
	}

	@Test
	void lpmTrieIsDumpedKeyByKey() {
		try (BpfMap trie = runtime.createMap(MapType.LPM_TRIE, "jt_lpm", 8, 8, 16)) {
			for (int i = 0; i < 3; i++) {
				byte[] key = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(24)
						.put(new byte[] { 10, 0, (byte) i, 0 }).array();
				trie.update(key, u64(i), UpdateFlag.NOEXIST);
			}
			AtomicLong sum = new AtomicLong();
			assertEquals(3, trie.dump((key, value) -> sum.addAndGet(value.getLong(0))));
			assertFalse(trie.lastDumpBatched(), "LPM tries have no batch operations");
			assertEquals(0 + 1 + 2, sum.get());
			byte[] probe = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(32)
					.put(new byte[] { 10, 0, 2, 99 }).array();
			assertArrayEquals(u64(2), trie.lookup(probe), "longest prefix match of 10.0.2.99");
		}
	}

	@Test
	void pinnedMapsCanBeOpenedAgain() throws Exception {
		Files.createDirectories(pinRoot);
		Path pin = pinRoot.resolve("jt_pinned");
		try (BpfMap map = runtime.createMap(MapType.LRU_HASH, "jt_pinned", 8, 16, 128)) {
			map.update(u64(42), valueOf(42), UpdateFlag.ANY);
			map.pin(pin);
			assertTrue(map.isPinned());
			assertEquals(pin, map.pinPath());
			try (BpfMap again = runtime.openPinnedMap(pin)) {
				assertEquals("jt_pinned", again.name());
				assertEquals(MapType.LRU_HASH, again.type());
				assertEquals(8, again.keySize());
				assertEquals(16, again.valueSize());
				assertEquals(128, again.maxEntries());
				assertTrue(again.isPinned());
				assertArrayEquals(valueOf(42), again.lookup(u64(42)));
				again.update(u64(43), valueOf(43), UpdateFlag.NOEXIST);
			}
			assertArrayEquals(valueOf(43), map.lookup(u64(43)));
			map.unpin();
			assertFalse(Files.exists(pin));
			assertFalse(map.isPinned());
		}
		BpfException missing = assertThrows(BpfException.class, () -> runtime.openPinnedMap(pin));
		assertEquals(Errno.ENOENT, missing.errno());
	}

	@Test
	void closedMapsAndRuntimesRefuseWork() {
		BpfMap map = runtime.createMap(MapType.HASH, "jt_closed", 8, 8, 4);
		map.close();
		map.close();
		assertEquals(-1, map.fd());
		assertThrows(IllegalStateException.class, () -> map.lookup(u64(1)));
		BpfMap left = runtime.createMap(MapType.HASH, "jt_left", 8, 8, 4);
		runtime.close();
		assertEquals(-1, left.fd(), "closing the runtime closes what it opened");
		assertThrows(IllegalStateException.class, () -> runtime.createMap(MapType.HASH, "jt_late", 8, 8, 4));
	}
}
