package jibril.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.internal.Errno;

/** Errors users must be able to act on: verifier rejections, bad ELF, missing objects; and libbpf's log. */
class LoadErrorTest {

	private static final Path REJECT = Path.of("target/test-classes/jibril/bpf/testobj/reject.bpf.o");

	private final List<String> log = new CopyOnWriteArrayList<>();
	private BpfRuntime runtime;

	@BeforeEach
	void setUp() {
		KernelSupport.assumeEbpf();
		runtime = new BpfRuntime((level, message) -> log.add(level + " " + message));
	}

	@AfterEach
	void tearDown() throws Exception {
		KernelSupport.closeAll(runtime);
	}

	@Test
	void aVerifierRejectionCarriesTheEndOfTheVerifierLog() throws Exception {
		try (BpfObject obj = runtime.open("reject", Files.readAllBytes(REJECT), null)) {
			BpfException e = assertThrows(BpfException.class, obj::load);
			assertEquals(Errno.EACCES, e.errno(), e.getMessage());
			assertTrue(e.getMessage().contains("program 'jibril_reject' was rejected"), e.getMessage());
			assertTrue(e.getMessage().contains("map_value_or_null"), e.getMessage());
			assertTrue(e.getMessage().contains("EACCES (Permission denied)"), e.getMessage());
		}
	}

	@Test
	void autoloadOffLeavesAProgramOut() throws Exception {
		try (BpfObject obj = runtime.open("reject", Files.readAllBytes(REJECT), null)) {
			obj.program("jibril_reject").setAutoload(false);
			obj.load();
			assertTrue(obj.program("jibril_reject").fd() < 0);
			assertTrue(obj.program("jibril_accept").fd() >= 0);
			List<BpfLink> links = obj.attachAll();
			assertEquals(1, links.size());
			assertEquals("jibril_accept", links.get(0).programName());
			assertTrue(links.get(0).fd() >= 0);
			assertThrows(BpfException.class, () -> obj.program("jibril_accept").setAutoload(false));
			links.get(0).close();
			links.get(0).close();
			assertTrue(links.get(0).isClosed());
		}
	}

	@Test
	void badInputsGiveActionableErrors() {
		BpfException junk = assertThrows(BpfException.class, () -> runtime.open("junk", new byte[] { 1, 2, 3, 4 }, null));
		assertNotEquals(0, junk.errno());
		assertTrue(junk.getMessage().startsWith("cannot open BPF object 'junk'"), junk.getMessage());
		BpfException missing = assertThrows(BpfException.class, () -> runtime.openBundled("nope", null));
		assertEquals(Errno.ENOENT, missing.errno());
		assertTrue(missing.getMessage().contains("/jibril/bpf/obj/nope.bpf.o"), missing.getMessage());
		assertThrows(IllegalArgumentException.class, () -> runtime.openBundled("../x", null));
		BpfException notBpffs = assertThrows(BpfException.class,
				() -> runtime.openBundled("tasks", Path.of("target/not-bpffs")));
		assertEquals(Errno.EINVAL, notBpffs.errno());
	}

	@Test
	void libbpfMessagesAreFormattedIntoTheLog() {
		try (BpfObject obj = runtime.openBundled("tasks", null)) {
			assertEquals("tasks", obj.name());
			assertThrows(NoSuchElementException.class, () -> obj.program("nope"));
			assertThrows(NoSuchElementException.class, () -> obj.map("nope"));
			assertThrows(IllegalStateException.class, obj::attachAll, "attach before load");
		}
		assertTrue(log.stream().anyMatch(m -> m.startsWith(BpfLog.DEBUG + " libbpf: ") && m.contains("map 'tasks'")),
				"libbpf's debug messages, formatted: " + log.subList(0, Math.min(5, log.size())));
		assertTrue(log.stream().noneMatch(m -> m.endsWith("\n")));
	}
}
