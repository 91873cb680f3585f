package jibril.bpf;

import static jibril.bpf.KernelSupport.u32;
import static jibril.bpf.KernelSupport.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.layout.Counter;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.StringLayout.Text;
import jibril.bpf.layout.TaskLayout;
import jibril.bpf.layout.TaskLayout.Task;

/**
 * tasks.bpf.o for real: loaded with a test pin root, attached, and watched while this test starts processes.
 */
class TasksProgramTest {

	private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
	private static final List<String> PINNED = List.of("tasks", "strings", "strings_short", "notices", "counters", "exec_seq");
	private static final Pattern PROG_LINE = Pattern.compile("^(\\d+): \\S+\\s+name (\\S+)", Pattern.MULTILINE);

	private BpfRuntime runtime;
	private BpfObject object;
	private RingBuffer ring;
	private Path pinRoot;
	private Path tmp;
	private Process child;
	private final List<Notice> notices = new ArrayList<>();

	@BeforeEach
	void setUp() throws Exception {
		KernelSupport.assumeEbpf();
		pinRoot = KernelSupport.uniquePinRoot();
		tmp = Files.createTempDirectory("jibril-bpf-test-");
		runtime = new BpfRuntime((level, message) -> {
		});
	}

	@AfterEach
	void tearDown() throws Exception {
		if (child != null) {
			child.destroyForcibly().waitFor();
		}
		try {
			KernelSupport.closeAll(ring, object, runtime);
		} finally {
			if (pinRoot != null) {
				BpfRuntime.unpinAll(pinRoot);
			}
			KernelSupport.deleteTree(tmp);
		}
	}

	private void loadAndAttach() {
		object = runtime.openBundled("tasks", pinRoot);
		object.map("tasks").setMaxEntries(8192);
		object.load();
		assertEquals(8192, object.map("tasks").maxEntries());
		assertEquals(3, object.attachAll().size());
		ring = runtime.ringBuffer(object.map("notices"), r -> notices.add(Notice.decode(r)));
	}

	@Test
	void execAndExitOfAUniquelyNamedBinaryAreRecorded() throws Exception {
		loadAndAttach();
		for (String m : PINNED) {
			assertEquals(pinRoot.resolve(m), object.map(m).pinPath());
		}
		for (BpfMap m : object.maps()) {
			boolean declared = m.pinPath() != null;
			assertEquals(declared, m.isPinned(), m.name());
			assertEquals(declared, Files.exists(pinRoot.resolve(m.name())), m.name() + " pinned under " + pinRoot);
		}
		assertFalse(object.map("scratch").isPinned(), "scratch has no pinning");
		Map<Integer, String> ids = new HashMap<>();
		for (BpfProgram p : object.programs()) {
			ids.put(p.id(), p.name());
		}
		assertTrue(programsInKernel().entrySet().containsAll(ids.entrySet()), "bpftool lists " + ids);

		Path exe = KernelSupport.uniqueCopy(Path.of("/bin/true"), tmp);
		String name = exe.getFileName().toString();
		child = new ProcessBuilder(exe.toString(), "first-arg", "second arg").start();
		long pid = child.pid();

		Task t = awaitTask(NoticeLayout.KIND_EXEC, pid, task -> task.comm().equals(name));
		assertEquals(pid, t.pid());
		assertEquals(ProcessHandle.current().pid(), t.ppid());
		assertEquals(0, t.uid());
		assertEquals(name, t.comm());
		assertTrue(t.has(TaskLayout.FLAG_EXECED));
		assertFalse(t.has(TaskLayout.FLAG_PATH_TRUNC) || t.has(TaskLayout.FLAG_ARGS_TRUNC));
		assertTrue(t.execNs() >= t.startNs() && t.startNs() > 0, t.toString());
		assertTrue(t.execNs() <= BpfRuntime.bootTimeNanos());

		Text path = string(t.exeKey());
		assertEquals(exe.toString(), path.text());
		assertFalse(path.truncated());
		byte[] pathBytes = exe.toString().getBytes(StandardCharsets.UTF_8);
		assertEquals(Keys.fnv1a(pathBytes, pathBytes.length), t.exeKey(), "strings keys are FNV-1a of the bytes");
		assertEquals(List.of(exe.toString(), "first-arg", "second arg"), string(t.argsKey()).parts());

		assertTrue(child.waitFor(5, TimeUnit.SECONDS));
		assertEquals(0, child.exitValue());
		Task exited = awaitTask(NoticeLayout.KIND_EXIT, pid, task -> task.has(TaskLayout.FLAG_EXITED));
		assertEquals(0, exited.exitCode());
		assertTrue(exited.exitNs() >= exited.execNs());
		assertEquals(t.key(), exited.key());

		BpfMap counters = object.map("counters");
		assertTrue(counters.sumPerCpuLong(Counter.EXECS.index()) >= 1);
		assertTrue(counters.sumPerCpuLong(Counter.EXITS.index()) >= 1);
		assertEquals(0, counters.sumPerCpuLong(Counter.TASKS_FULL.index()));
		long seq = KernelSupport.u64(object.map("exec_seq").lookup(u32(0)), 0);
		assertTrue(seq >= t.execSeq() && t.execSeq() > 0);

		// close: no program of this test stays in the kernel; the pins stay until the test removes them
		ring.close();
		object.close();
		awaitProgramsGone(ids);
		for (String m : PINNED) {
			assertTrue(Files.exists(pinRoot.resolve(m)), m + " stays pinned after close");
		}
		BpfRuntime.unpinAll(pinRoot);
		assertFalse(Files.exists(pinRoot));
	}

	@Test
	void taskKeysAgreeWithProcStartTimes() throws Exception {
		loadAndAttach();
		child = new ProcessBuilder("/bin/sleep", "30").start();
		long pid = child.pid();
		Task t = awaitTask(NoticeLayout.KIND_EXEC, pid, task -> task.comm().equals("sleep"));

		long ticks = KernelSupport.startTicks(pid);
		long key = Keys.taskKey((int) pid, ticks * Keys.NSEC_PER_TICK);
		assertEquals(ticks, t.startNs() / Keys.NSEC_PER_TICK, t.toString());
		assertEquals(Keys.taskKey((int) pid, t.startNs()), t.key(), t.toString());
		assertEquals(key, t.key());
		assertNotNull(object.map("tasks").lookup(u64(key)));
		long me = ProcessHandle.current().pid();
		assertEquals(Keys.taskKey((int) me, KernelSupport.startTicks(me) * Keys.NSEC_PER_TICK), t.parentKey());

		child.destroyForcibly();
		assertTrue(child.waitFor(5, TimeUnit.SECONDS));
		Task killed = awaitTask(NoticeLayout.KIND_EXIT, pid, task -> task.has(TaskLayout.FLAG_EXITED));
		assertEquals(9, killed.exitCode(), "wait status of a SIGKILLed process");
		child = null;
	}

	/** Polls notices until one of {@code kind} for {@code pid} leads to a task entry that satisfies {@code ok}. */
	private Task awaitTask(int kind, long pid, Predicate<Task> ok) {
		long deadline = System.nanoTime() + WAIT_NANOS;
		int checked = 0;
		Task last = null;
		while (System.nanoTime() < deadline) {
			ring.poll(100);
			for (; checked < notices.size(); checked++) {
				Notice n = notices.get(checked);
				if (n.kind() == kind && n.pid() == pid) {
					byte[] value = object.map("tasks").lookup(u64(n.key()));
					assertNotNull(value, "tasks entry of " + n);
					last = Task.decode(ByteBuffer.wrap(value));
					assertEquals(n.key(), last.key());
					if (ok.test(last)) {
						return last;
					}
				}
			}
		}
		return fail("no notice of kind " + kind + " for pid " + pid + " within 5 s; last entry: " + last
				+ "; notices seen: " + notices.size());
	}

	private Text string(long key) {
		assertNotEquals(0, key);
		Text t = StringDictionary.of(object).text(key);
		assertNotNull(t, "strings entry " + Long.toHexString(key));
		return t;
	}

	private static Map<Integer, String> programsInKernel() throws Exception {
		Map<Integer, String> progs = new HashMap<>();
		Matcher m = PROG_LINE.matcher(KernelSupport.run(KernelSupport.bpftool(), "prog", "show"));
		while (m.find()) {
			progs.put(Integer.parseInt(m.group(1)), m.group(2));
		}
		return progs;
	}

	private static void awaitProgramsGone(Map<Integer, String> ids) throws Exception {
		long deadline = System.nanoTime() + WAIT_NANOS;
		Map<Integer, String> left;
		do {
			left = new HashMap<>(programsInKernel());
			left.keySet().retainAll(ids.keySet());
			left.values().retainAll(ids.values());
			if (left.isEmpty()) {
				return;
			}
			Thread.sleep(50);
		} while (System.nanoTime() < deadline);
		fail("programs still loaded after close: " + left);
	}
}
