package jibril.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/** Shared helpers of the kernel tests: the only allowed skip, unique names, processes, cleanup. */
final class KernelSupport {

	private KernelSupport() {
	}

	/** Skips the test when this kernel or user cannot run eBPF at all (not root, or no BTF). */
	static void assumeEbpf() {
		Assumptions.assumeTrue(effectiveUid() == 0, "eBPF tests need root (effective uid is " + effectiveUid() + ")");
		Assumptions.assumeTrue(Files.exists(Path.of("/sys/kernel/btf/vmlinux")),
				"eBPF tests need a kernel with BTF (/sys/kernel/btf/vmlinux)");
	}

	static int effectiveUid() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
				if (line.startsWith("Uid:")) {
					return Integer.parseInt(line.split("\\s+")[2]);
				}
			}
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		throw new IllegalStateException("no Uid line in /proc/self/status");
	}

	static String random() {
		return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
	}

	/** A fresh, not yet existing pin root under /sys/fs/bpf. */
	static Path uniquePinRoot() {
		return Path.of("/sys/fs/bpf/jibril-test-" + random());
	}

	/** A copy of {@code original} named uniq-<random> in {@code dir}, executable; returns its real path. */
	static Path uniqueCopy(Path original, Path dir) throws IOException {
		Path exe = dir.resolve("uniq-" + random());
		Files.copy(original, exe);
		Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
		return exe.toRealPath();
	}

	/** Runs a command to completion and returns its standard output; fails the test on a non-zero exit. */
	static String run(String... command) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertEquals(0, p.waitFor(), () -> String.join(" ", command) + " failed:\n" + out);
		return out;
	}

	static String bpftool() {
		for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin")) {
			if (Files.isExecutable(Path.of(dir, "bpftool"))) {
				return dir + "/bpftool";
			}
		}
		return "bpftool";
	}

	/** Compiles the test helper src/test/c/NAME.c with the host's C compiler into DIR/NAME and returns its path. */
	static Path compileHelper(String name, Path dir) throws IOException, InterruptedException {
		Path src = Path.of("src/test/c/" + name + ".c").toAbsolutePath();
		assertTrue(Files.exists(src), src.toString());
		Path out = dir.resolve(name);
		String cc = null;
		for (String candidate : List.of("cc", "gcc", "clang")) {
			for (String d : List.of("/usr/bin", "/usr/local/bin", "/bin")) {
				if (cc == null && Files.isExecutable(Path.of(d, candidate))) {
					cc = d + "/" + candidate;
				}
			}
		}
		assertNotNull(cc, "a C compiler (cc, gcc or clang) is needed to build the test helper " + src);
		run(cc, "-O2", "-Wall", "-o", out.toString(), src.toString());
		return out;
	}

	/** Field 22 of /proc/[pid]/stat: the start time in USER_HZ ticks since boot. */
	static long startTicks(long pid) throws IOException {
		String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
		String[] afterComm = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
		return Long.parseLong(afterComm[22 - 3]);
	}

	static byte[] u64(long v) {
		return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
	}

	static byte[] u32(int v) {
		return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
	}

	static long u64(byte[] b, int offset) {
		return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong(offset);
	}

	/** Deletes a directory tree of ordinary files, if it exists. */
	static void deleteTree(Path dir) throws IOException {
		if (dir == null || !Files.exists(dir)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(dir)) {
			for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(p);
			}
		}
	}

	/** Closes what is not null, in order, and keeps going when one fails; rethrows the first failure. */
	static void closeAll(AutoCloseable... resources) throws Exception {
		Exception first = null;
		for (AutoCloseable r : resources) {
			try {
				if (r != null) {
					r.close();
				}
			} catch (Exception e) {
				if (first == null) {
					first = e;
				} else {
					first.addSuppressed(e);
				}
			}
		}
		if (first != null) {
			throw first;
		}
	}
}
