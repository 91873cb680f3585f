package jibril.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.layout.Keys;
import jibril.bpf.layout.StringLayout;

/** The two-map strings dictionary on real maps: which map a string goes to, lookups, keys and deletes. */
class StringDictionaryTest {

	private BpfRuntime runtime;
	private BpfMap shorts;
	private BpfMap longs;
	private StringDictionary dict;

	@BeforeEach
	void setUp() {
		KernelSupport.assumeEbpf();
		runtime = new BpfRuntime((level, message) -> {
		});
		shorts = runtime.createMap(MapType.HASH, "jt_str_s", 8, StringLayout.SHORT_SIZE, 64);
		longs = runtime.createMap(MapType.HASH, "jt_str_l", 8, StringLayout.SIZE, 64);
		dict = new StringDictionary(shorts, longs);
	}

	@AfterEach
	void tearDown() throws Exception {
		KernelSupport.closeAll(runtime);
	}

	private long put(String text) {
		byte[] data = text.getBytes(StandardCharsets.UTF_8);
		byte[] value = StringLayout.encode(data);
		int len = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt(StringLayout.OFF_LEN);
		long key = Keys.fnv1a(data, len);
		assertTrue(dict.putIfAbsent(KernelSupport.u64(key), value));
		assertFalse(dict.putIfAbsent(KernelSupport.u64(key), value), "a second put of one key is a no-op");
		return key;
	}

	@Test
	void shortAndLongStringsGoToTheirMapsAndReadBackTheSame() {
		String edge = "/".repeat(StringLayout.SHORT_MAX);
		String over = "/".repeat(StringLayout.SHORT_MAX + 1);
		String longText = "x".repeat(StringLayout.STR_MAX * 2);
		long a = put("/etc/shadow");
		long b = put(edge);
		long c = put(over);
		long d = put(longText);
		assertTrue(shorts.lookup(KernelSupport.u64(a)) != null && shorts.lookup(KernelSupport.u64(b)) != null);
		assertTrue(longs.lookup(KernelSupport.u64(c)) != null && longs.lookup(KernelSupport.u64(d)) != null);
		assertNull(longs.lookup(KernelSupport.u64(a)), "a key lives in one map");
		assertEquals("/etc/shadow", dict.text(a).text());
		assertEquals(edge, dict.text(b).text());
		assertEquals(over, dict.text(c).text());
		assertTrue(dict.text(d).truncated());
		assertEquals(StringLayout.STR_MAX - 1, dict.text(d).text().length());
		assertEquals(Keys.stringKey("/etc/shadow"), a, "the key the kernel gives a path");
		assertEquals(List.of(a, b, c, d).stream().sorted().toList(), dict.keys().stream().sorted().toList());

		assertTrue(dict.delete(KernelSupport.u64(a)));
		assertTrue(dict.delete(KernelSupport.u64(c)));
		assertFalse(dict.delete(KernelSupport.u64(a)));
		assertNull(dict.text(a));
		assertNull(dict.text(c));
		assertEquals(2, dict.keys().size());
	}

	@Test
	void mapsOfOtherSizesAreRefused() {
		assertThrows(IllegalArgumentException.class, () -> new StringDictionary(longs, shorts));
	}
}
