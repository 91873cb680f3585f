package jibril.bpf;

import static jibril.bpf.KernelSupport.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The map-count iterator against real maps: exact counts through inserts, replacements, deletes and eviction. */
class MapCounterTest {

	private BpfRuntime runtime;

	@BeforeEach
	void setUp() {
		KernelSupport.assumeEbpf();
		runtime = new BpfRuntime((level, message) -> {
		});
	}

	@AfterEach
	void tearDown() throws Exception {
		KernelSupport.closeAll(runtime);
	}

	@Test
	void countsWhatAHashMapHolds() {
		MapCounter counter = runtime.mapCounter();
		assertSame(counter, runtime.mapCounter(), "one counter per runtime");
		try (BpfMap map = runtime.createMap(MapType.HASH, "jt_count", 8, 8, 50_000)) {
			assertEquals(0, counter.entries(map));
			for (long k = 1; k <= 30_000; k++) {
				map.update(u64(k), u64(k), UpdateFlag.ANY);
			}
			assertEquals(30_000, counter.entries(map));
			map.update(u64(7), u64(70), UpdateFlag.ANY); // a replacement is no new entry
			assertEquals(30_000, counter.entries(map));
			for (long k = 1; k <= 1_000; k++) {
				assertTrue(map.delete(u64(k)));
			}
			assertEquals(29_000, counter.entries(map));
			assertEquals(map.dump((k, v) -> {
			}), counter.entries(map), "the same as a walk of every entry");
		}
	}

	@Test
	void countsAnLruMapThatEvicts() {
		MapCounter counter = runtime.mapCounter();
		try (BpfMap map = runtime.createMap(MapType.LRU_HASH, "jt_count_lru", 8, 8, 4_096)) {
			for (long k = 1; k <= 20_000; k++) {
				map.update(u64(k), u64(k), UpdateFlag.ANY);
			}
			long walked = map.dump((k, v) -> {
			});
			assertEquals(walked, counter.entries(map));
			assertTrue(walked <= 4_096 + 2 * BpfRuntime.possibleCpus() * 128, "bounded by the map's size: " + walked);
		}
	}

	@Test
	void listsEveryMapOfTheHostAndCloses() {
		MapCounter counter = runtime.mapCounter();
		try (BpfMap a = runtime.createMap(MapType.HASH, "jt_count_a", 4, 4, 16);
				BpfMap b = runtime.createMap(MapType.ARRAY, "jt_count_b", 4, 4, 16)) {
			a.update(new byte[4], new byte[4], UpdateFlag.ANY);
			Map<Integer, Long> all = counter.counts();
			assertEquals(1L, all.get(a.id()));
			assertEquals(0L, all.get(b.id()), "arrays keep no count");
		}
		counter.close();
		counter.close();
		assertThrows(IllegalStateException.class, counter::counts);
	}
}
