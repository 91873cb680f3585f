package jibril.bpf.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** DnsMessage on crafted packets: compression, CNAME chains, and malformed input that must never throw. */
class DnsMessageTest {

	/** Writes DNS wire format; names can be compressed by hand with {@link #pointer}. */
	static final class Wire {
		private final ByteArrayOutputStream out = new ByteArrayOutputStream();

		Wire u8(int v) {
			out.write(v);
			return this;
		}

		Wire u16(int v) {
			return u8(v >>> 8).u8(v);
		}

		Wire u32(long v) {
			return u16((int) (v >>> 16)).u16((int) v);
		}

		Wire bytes(byte[] b) {
			out.writeBytes(b);
			return this;
		}

		/** Labels, no terminator: finish with {@link #root()} or {@link #pointer}. */
		Wire labels(String dotted) {
			for (String l : dotted.split("\\.")) {
				byte[] b = l.getBytes(StandardCharsets.US_ASCII);
				u8(b.length).bytes(b);
			}
			return this;
		}

		Wire name(String dotted) {
			return labels(dotted).root();
		}

		Wire root() {
			return u8(0);
		}

		Wire pointer(int offset) {
			return u16(0xc000 | offset);
		}

		int size() {
			return out.size();
		}

		byte[] done() {
			return out.toByteArray();
		}

		static Wire header(int id, int flags, int qd, int an) {
			return new Wire().u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(0);
		}
	}

	/**
	 * www.example.test CNAME web.example.test, web.example.test A 10.1.2.3 and 10.1.2.4 (TTL 300), AAAA 2001:db8::1,
	 * with every name after the question compressed.
	 */
	static byte[] answerWithCname(int id) {
		Wire w = Wire.header(id, 0x8180, 1, 4);
		int q = w.size();
		w.labels("www");
		int example = w.size();
		w.name("example.test").u16(DnsMessage.TYPE_A).u16(1);
		// www.example.test CNAME web.example.test: owner by pointer, target "web" + pointer to example.test
		w.pointer(q).u16(DnsMessage.TYPE_CNAME).u16(1).u32(60).u16(6);
		int web = w.size();
		w.labels("web").pointer(example);
		w.pointer(web).u16(DnsMessage.TYPE_A).u16(1).u32(300).u16(4).bytes(new byte[] { 10, 1, 2, 3 });
		w.pointer(web).u16(DnsMessage.TYPE_A).u16(1).u32(300).u16(4).bytes(new byte[] { 10, 1, 2, 4 });
		byte[] v6 = new byte[16];
		v6[0] = 0x20;
		v6[1] = 0x01;
		v6[2] = 0x0d;
		v6[3] = (byte) 0xb8;
		v6[15] = 1;
		w.pointer(web).u16(DnsMessage.TYPE_AAAA).u16(1).u32(0xffffffffL).u16(16).bytes(v6);
		return w.done();
	}

	@Test
	void parsesAnAnswerWithCompressionAndACnameChain() throws Exception {
		DnsMessage m = DnsMessage.parse(answerWithCname(0xbeef));
		assertNull(m.error());
		assertTrue(m.complete());
		assertEquals(0xbeef, m.id());
		assertTrue(m.response());
		assertEquals(0, m.rcode());
		assertEquals("www.example.test", m.question());
		assertEquals(DnsMessage.TYPE_A, m.questionType());
		assertEquals(List.of("web.example.test"), m.cnameChain());
		assertEquals("web.example.test", m.canonicalName());
		assertEquals(List.of(new DnsMessage.Address("web.example.test", InetAddress.getByName("10.1.2.3"), 300),
				new DnsMessage.Address("web.example.test", InetAddress.getByName("10.1.2.4"), 300),
				new DnsMessage.Address("web.example.test", InetAddress.getByName("2001:db8::1"), 0xffffffffL)),
				m.addresses());
		assertEquals(4, m.answers().size());
		assertEquals("www.example.test", m.answers().getFirst().name());
		assertEquals(60, m.answers().getFirst().ttl());
	}

	@Test
	void followsALongerChainInAnyOrderAndIgnoringCase() throws Exception {
		Wire w = Wire.header(1, 0x8180, 1, 3);
		w.name("a.test").u16(1).u16(1);
		w.name("B.test").u16(DnsMessage.TYPE_CNAME).u16(1).u32(5).u16(8).name("c.test");
		w.name("A.TEST").u16(DnsMessage.TYPE_CNAME).u16(1).u32(5).u16(8).name("b.test");
		w.name("c.test").u16(DnsMessage.TYPE_A).u16(1).u32(7).u16(4).bytes(new byte[] { 1, 2, 3, 4 });
		DnsMessage m = DnsMessage.parse(w.done());
		assertTrue(m.complete(), m.error());
		assertEquals(List.of("b.test", "c.test"), m.cnameChain());
		assertEquals("c.test", m.canonicalName());
		assertEquals(InetAddress.getByName("1.2.3.4"), m.addresses().getFirst().address());
	}

	@Test
	void aCnameLoopEnds() {
		Wire w = Wire.header(1, 0x8180, 1, 2);
		w.name("a.test").u16(1).u16(1);
		w.name("a.test").u16(DnsMessage.TYPE_CNAME).u16(1).u32(5).u16(8).name("b.test");
		w.name("b.test").u16(DnsMessage.TYPE_CNAME).u16(1).u32(5).u16(8).name("a.test");
		assertEquals(List.of("b.test"), DnsMessage.parse(w.done()).cnameChain());
	}

	@Test
	void pointerLoopsAndForwardPointersAreErrorsNotHangs() {
		Wire w = Wire.header(1, 0x8180, 1, 0);
		w.pointer(12); // points at itself
		w.u16(1).u16(1);
		DnsMessage self = DnsMessage.parse(w.done());
		assertFalse(self.complete());
		assertTrue(self.error().contains("backwards"), self.error());

		Wire f = Wire.header(1, 0x8180, 1, 0);
		f.labels("x").pointer(40).u16(1).u16(1);
		assertFalse(DnsMessage.parse(f.done()).complete());

		// a chain of backward pointers, each to the one before, longer than allowed: the chain hides in the data
		// of a TXT record, and the second record's owner points at its end
		int n = DnsMessage.MAX_POINTERS + 5;
		Wire c = Wire.header(1, 0x8180, 0, 2);
		c.root().u16(16).u16(1).u32(1).u16(1 + 2 * n);
		int previous = c.size();
		c.root();
		for (int i = 0; i < n; i++) {
			int here = c.size();
			c.pointer(previous);
			previous = here;
		}
		int owner = c.size();
		c.pointer(previous).u16(1).u16(1).u32(1).u16(4).bytes(new byte[4]);
		assertTrue(owner > previous);
		DnsMessage chain = DnsMessage.parse(c.done());
		assertFalse(chain.complete());
		assertTrue(chain.error().contains("compression pointers"), chain.error());
	}

	@Test
	void truncatedMessagesKeepWhatWasRead() {
		byte[] full = answerWithCname(7);
		DnsMessage whole = DnsMessage.parse(full);
		for (int n = 0; n < full.length; n++) {
			DnsMessage part = DnsMessage.parse(Arrays.copyOf(full, n));
			assertFalse(part.complete(), "cut at " + n);
			assertTrue(part.answers().size() <= whole.answers().size());
			if (n >= 12) {
				assertEquals(7, part.id());
			}
		}
		DnsMessage first3 = DnsMessage.parse(Arrays.copyOf(full, full.length - 1));
		assertEquals(3, first3.answers().size(), first3.error());
		assertEquals(List.of("web.example.test"), first3.cnameChain());
	}

	@Test
	void badLabelsAndBadAddressesAreReported() {
		Wire w = Wire.header(1, 0x8180, 1, 0);
		w.u8(0x40).u8(1).u16(1).u16(1);
		assertTrue(DnsMessage.parse(w.done()).error().contains("reserved"));

		Wire a = Wire.header(1, 0x8180, 0, 1);
		a.name("x.test").u16(DnsMessage.TYPE_A).u16(1).u32(1).u16(3).bytes(new byte[] { 1, 2, 3 });
		DnsMessage m = DnsMessage.parse(a.done());
		assertFalse(m.complete());
		assertTrue(m.answers().isEmpty());

		Wire l = Wire.header(1, 0x8180, 1, 0);
		for (int i = 0; i < 10; i++) {
			l.labels("a".repeat(63));
		}
		l.root().u16(1).u16(1);
		assertTrue(DnsMessage.parse(l.done()).error().contains("longer than"));

		Wire odd = Wire.header(1, 0x8180, 1, 0);
		odd.u8(3).bytes(new byte[] { 'a', '.', 0 }).root().u16(1).u16(1);
		assertEquals("a\\046\\000", DnsMessage.parse(odd.done()).question());
	}

	@Test
	void garbageNeverThrows() {
		assertFalse(DnsMessage.parse(null).complete());
		assertFalse(DnsMessage.parse(new byte[0]).complete());
		Random r = new Random(42);
		byte[] valid = answerWithCname(1);
		for (int i = 0; i < 20_000; i++) {
			byte[] b;
			if (i % 2 == 0) {
				b = new byte[r.nextInt(600)];
				r.nextBytes(b);
			} else {
				b = valid.clone();
				for (int k = 0; k < 1 + r.nextInt(4); k++) {
					b[r.nextInt(b.length)] = (byte) r.nextInt(256);
				}
			}
			assertNotNull(DnsMessage.parse(b));
		}
	}
}
