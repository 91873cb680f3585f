package jibril.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The static helpers of BpfRuntime. */
class RuntimeTest {

	@Test
	void thisMachineSupportsJibril() {
		KernelSupport.assumeEbpf();
		BpfRuntime.checkSupported();
	}

	@Test
	void bootTimeIsTheClockOfProcUptime() throws Exception {
		double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
		long boot = BpfRuntime.bootTimeNanos();
		assertTrue(Math.abs(boot / 1e9 - uptime) < 1.0, boot + " ns vs uptime " + uptime + " s");
	}

	@Test
	void possibleCpusMatchesSysfs() throws Exception {
		String possible = Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim();
		int n = 0;
		for (String range : possible.split(",")) {
			String[] ends = range.split("-");
			n += ends.length == 1 ? 1 : Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1;
		}
		assertEquals(n, BpfRuntime.possibleCpus());
	}

	@Test
	void unpinAllOnlyWorksInsideABpffs() throws Exception {
		assertThrows(IllegalArgumentException.class, () -> BpfRuntime.unpinAll(Path.of("/sys/fs/bpf")));
		Path tmp = Files.createTempDirectory("jibril-bpf-test-");
		try {
			assertThrows(IllegalArgumentException.class, () -> BpfRuntime.unpinAll(tmp));
			assertTrue(Files.exists(tmp));
		} finally {
			Files.delete(tmp);
		}
		BpfRuntime.unpinAll(KernelSupport.uniquePinRoot()); // absent: nothing to do
	}

	@Test
	void cgroup2RootIsTheCgroup2Mount() throws Exception {
		Path root = BpfRuntime.cgroup2Root();
		assertTrue(Files.exists(root.resolve("cgroup.procs")), root + " is a cgroup v2 directory");
		assertEquals("cgroup2", Files.getFileStore(root).type());
		assertEquals("/a b\\c\td", BpfRuntime.unescapeMount("/a\\040b\\134c\\011d"));
		assertEquals("/x\\04", BpfRuntime.unescapeMount("/x\\04"), "an incomplete escape stays");
	}
}
