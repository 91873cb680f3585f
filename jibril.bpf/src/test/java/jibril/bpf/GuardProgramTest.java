package jibril.bpf;

import static jibril.bpf.KernelSupport.u32;
import static jibril.bpf.KernelSupport.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.internal.Errno;
import jibril.bpf.layout.GuardLayout;
import jibril.bpf.layout.NoticeLayout;
import jibril.bpf.layout.NoticeLayout.Notice;
import jibril.bpf.layout.TaintLayout;
import jibril.bpf.layout.TaintLayout.Taint;
import jibril.bpf.layout.TaskLayout.Task;

/**
 * guard.bpf.o for real: it guards a tasks.bpf.o loaded with a test pin root, with this JVM as "the daemon", while
 * other processes (bpftool) write, read and detach.
 */
class GuardProgramTest {

	private static final List<String> FROZEN = List.of("guard_config", "guarded", "taints", "guard_calls",
			"guard_counters");

	private BpfRuntime runtime;
	private BpfObject tasks;
	private BpfObject guard;
	private RingBuffer ring;
	private Path pinRoot;
	private final List<Notice> notices = Collections.synchronizedList(new ArrayList<>());
	/** What every bpftool run printed, for failure messages. */
	private static final List<String> said = Collections.synchronizedList(new ArrayList<>());

	@BeforeEach
	void setUp() {
		KernelSupport.assumeEbpf();
		pinRoot = KernelSupport.uniquePinRoot();
		runtime = new BpfRuntime((level, message) -> {
		});
		tasks = runtime.openBundled("tasks", pinRoot);
		tasks.map("tasks").setMaxEntries(4096);
		tasks.load();
		tasks.attachAll();
		guard = runtime.openBundled("guard", pinRoot);
		guard.load();
		assertEquals(2, guard.attachAll().size());
		assertTrue(guard.maps().stream().noneMatch(BpfMap::isPinned), "the guard's maps belong to one run");

		// What the daemon does: say who it is, list its objects, freeze it all.
		guard.map("guard_config").update(u32(0), GuardLayout.Config.encode(ProcessHandle.current().pid()),
				UpdateFlag.ANY);
		for (BpfObject o : List.of(tasks, guard)) {
			for (BpfMap m : o.maps()) {
				guard(GuardLayout.KIND_MAP, m.id());
			}
			for (BpfProgram p : o.programs()) {
				guard(GuardLayout.KIND_PROG, p.id());
			}
			for (BpfLink l : o.links()) {
				guard(GuardLayout.KIND_LINK, l.id());
			}
		}
		for (String m : FROZEN) {
			guard.map(m).freeze();
			assertTrue(guard.map(m).isFrozen(), m);
		}
		assertFalse(tasks.map("cursors").isFrozen());
		ring = runtime.ringBuffer(guard.map("guard_notices"), r -> notices.add(Notice.decode(r)));
	}

	private void guard(int kind, int id) {
		guard.map("guarded").update(GuardLayout.Key.encode(kind, id), u32(1), UpdateFlag.NOEXIST);
	}

	@AfterEach
	void tearDown() throws Exception {
		try {
			KernelSupport.closeAll(ring, guard, tasks, runtime);
		} finally {
			if (pinRoot != null) {
				BpfRuntime.unpinAll(pinRoot);
			}
		}
	}

	@Test
	void anotherProcessWritingAMapIsRecordedAndNoticed() throws Exception {
		Path cursors = pinRoot.resolve("cursors");
		Process p = bpftool("map", "update", "pinned", cursors.toString(), "key", "0", "0", "0", "0", "value", "7",
				"0", "0", "0", "0", "0", "0", "0");
		assertEquals(7, u64(tasks.map("cursors").lookup(u32(0)), 0), "bpftool did write");

		List<Taint> all = taints();
		assertEquals(1, all.size(), all.toString());
		Taint t = all.get(0);
		assertEquals(p.pid(), t.tgid());
		assertEquals("map_update_elem", t.command());
		assertEquals(GuardLayout.KIND_MAP, t.kind());
		assertEquals(tasks.map("cursors").id(), t.id());
		assertEquals("bpftool", t.comm());
		assertEquals(1, t.count());
		assertEquals(1, t.succeeded());
		assertEquals(0, t.lastResult());
		assertEquals(0, t.uid());
		assertTrue(t.has(TaintLayout.FLAG_NOTICED));
		assertTrue(t.firstNs() > 0 && t.firstNs() <= t.lastNs() && t.lastNs() <= BpfRuntime.bootTimeNanos());
		// The key of bpftool's process, as the tasks map names it (tasks.bpf.o recorded its exec).
		List<Task> execs = new ArrayList<>();
		tasks.map("tasks").dump((k, v) -> {
			Task task = Task.decode(v);
			if (task.pid() == p.pid()) {
				execs.add(task);
			}
		});
		assertEquals(1, execs.size(), execs.toString());
		assertEquals(execs.get(0).key(), t.taskKey());

		Notice n = awaitNotice();
		assertEquals(NoticeLayout.KIND_TAINT, n.kind());
		assertEquals(p.pid(), n.pid());
		assertEquals(t.id(), n.key());
		assertEquals(((long) GuardLayout.KIND_MAP << 32) | t.cmd(), n.seq());
		assertEquals(1, counter(GuardLayout.CNT_TAINTS));

		// Deleting a key of a hash map is recorded as its own command.
		bpftool("map", "delete", "pinned", pinRoot.resolve("tasks").toString(), "key", "1", "2", "3", "4", "5", "6",
				"7", "8").waitFor();
		assertTrue(taints().stream().anyMatch(x -> x.command().equals("map_delete_elem") && x.lastResult() < 0
				&& x.succeeded() == 0), "a failed delete (no such key) is still a taint: " + taints());
	}

	@Test
	void theDaemonsOwnWritesAndEveryonesReadsAreNotTaints() throws Exception {
		BpfMap cursors = tasks.map("cursors");
		cursors.update(u32(1), u64(99), UpdateFlag.ANY);
		tasks.map("tasks").update(u64(12345), new byte[tasks.map("tasks").valueSize()], UpdateFlag.ANY);
		assertTrue(tasks.map("tasks").delete(u64(12345)));
		String pinned = pinRoot.resolve("cursors").toString();
		run(bpftool("map", "dump", "pinned", pinned));
		run(bpftool("map", "lookup", "pinned", pinned, "key", "1", "0", "0", "0"));
		run(bpftool("map", "show", "pinned", pinned));
		run(bpftool("map", "dump", "id", Integer.toString(guard.map("taints").id())));
		run(bpftool("prog", "show"));
		run(bpftool("link", "show"));
		// A map that is not Jibril's: another process may write it.
		try (BpfMap other = runtime.createMap(MapType.ARRAY, "jt_other", 4, 8, 1)) {
			run(bpftool("map", "update", "id", Integer.toString(other.id()), "key", "0", "0", "0", "0", "value", "1",
					"0", "0", "0", "0", "0", "0", "0"));
			assertEquals(1, u64(other.lookup(u32(0)), 0));
		}
		assertEquals(List.of(), taints());
		assertEquals(0, counter(GuardLayout.CNT_TAINTS));
		assertTrue(counter(GuardLayout.CNT_CALLS) >= 4, "the guard saw the calls: " + counter(GuardLayout.CNT_CALLS));
		assertEquals(0, ring.poll(200));
	}

	@Test
	void anArgumentThatIsNotResidentWhenTheCallEntersIsReadWhenItExits() throws Exception {
		Path tmp = Files.createTempDirectory("jibril-guard-test-");
		try {
			Path helper = KernelSupport.compileHelper("bpf_lazy", tmp);
			Path cursors = pinRoot.resolve("cursors");
			Process p = new ProcessBuilder(helper.toString(), cursors.toString(), "41").redirectErrorStream(true)
					.start();
			String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
			assertEquals(0, p.waitFor(), out);
			assertEquals(41, u64(tasks.map("cursors").lookup(u32(0)), 0), "the helper did write");
			List<Taint> all = taints();
			assertEquals(1, all.size(), all.toString());
			assertEquals(p.pid(), all.get(0).tgid());
			assertEquals("map_update_elem", all.get(0).command());
			assertEquals(tasks.map("cursors").id(), all.get(0).id());
			assertEquals(1, all.get(0).succeeded());
			assertEquals(0, counter(GuardLayout.CNT_UNREADABLE));
		} finally {
			KernelSupport.deleteTree(tmp);
		}
	}

	@Test
	void frozenMapsRefuseEveryoneAndTheAttemptIsRecorded() throws Exception {
		BpfMap taints = guard.map("taints");
		// Not even the daemon can change its configuration or the evidence.
		BpfException e = assertThrows(BpfException.class,
				() -> guard.map("guarded").update(GuardLayout.Key.encode(GuardLayout.KIND_MAP, 1), u32(1),
						UpdateFlag.ANY));
		assertEquals(Errno.EPERM, e.errno(), e.getMessage());
		// Another process cannot erase a record or make one up.
		String id = Integer.toString(taints.id());
		String[] value = new String[TaintLayout.SIZE];
		java.util.Arrays.fill(value, "0");
		Process p = bpftool("map", "update", "id", id, "key", "1", "0", "0", "0", "2", "0", "0", "0", "1", "0", "0", "0",
				"1", "0", "0", "0", "value", value);
		p.waitFor();
		assertNotEquals(0, p.exitValue(), "a frozen map refused bpftool");
		List<Taint> all = taints();
		assertEquals(1, all.size(), all + "\n" + said);
		Taint t = all.get(0);
		assertEquals(p.pid(), t.tgid());
		assertEquals(taints.id(), t.id());
		assertEquals(0, t.succeeded());
		assertEquals(-Errno.EPERM, t.lastResult());
		Process del = bpftool("map", "delete", "id", id, "key", hexBytes(all.get(0)));
		del.waitFor();
		assertNotEquals(0, del.exitValue());
		assertEquals(2, taints().size(), "the delete attempt is a record of its own");
	}

	@Test
	void detachingALinkIsRecordedWhateverTheKernelAnswers() throws Exception {
		BpfLink link = tasks.links().get(0);
		BpfLink.Info before = link.info();
		assertEquals(link.id(), before.id());
		assertEquals(tasks.program(link.programName()).id(), before.programId());
		assertTrue(before.attached());
		Process p = bpftool("link", "detach", "id", Integer.toString(link.id()));
		p.waitFor();
		Taint t = taints().stream().filter(x -> x.kind() == GuardLayout.KIND_LINK).findFirst().orElseThrow(
				() -> new AssertionError("no link record: " + taints() + "\n" + said));
		assertEquals("link_detach", t.command());
		assertEquals(link.id(), t.id());
		assertEquals(p.pid(), t.tgid());
		// A tp_btf link has nothing to detach from but its tracepoint: this kernel refuses (EOPNOTSUPP), and the
		// link stays attached.
		assertEquals(p.exitValue() == 0, t.succeeded() == 1, t.toString());
		assertEquals(t.succeeded() == 0, link.info().attached(), t + " " + link.info());
	}

	@Test
	void theProgramsOfThisHostAndTheirMaps() {
		List<BpfRuntime.LoadedProgram> all = BpfRuntime.loadedPrograms();
		BpfProgram exec = tasks.program("jibril_exec");
		BpfRuntime.LoadedProgram mine = all.stream().filter(p -> p.id() == exec.id()).findFirst().orElseThrow();
		assertEquals("jibril_exec", mine.name());
		assertTrue(mine.mapIds().contains(tasks.map("tasks").id()), mine.toString());
		assertTrue(mine.mapIds().contains(tasks.map("exec_seq").id()), mine.toString());
		BpfRuntime.LoadedProgram enter = all.stream().filter(p -> p.id() == guard.program("jibril_guard_enter").id())
				.findFirst().orElseThrow();
		assertTrue(enter.mapIds().contains(guard.map("guarded").id()), enter.toString());
	}

	private List<Taint> taints() {
		List<Taint> out = new ArrayList<>();
		guard.map("taints").dump((k, v) -> out.add(Taint.decode(k, v)));
		return out;
	}

	private long counter(int slot) {
		return guard.map("guard_counters").sumPerCpuLong(slot);
	}

	private Notice awaitNotice() {
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (notices.isEmpty() && System.nanoTime() < end) {
			ring.poll(100);
		}
		assertFalse(notices.isEmpty(), "no notice");
		return notices.get(0);
	}

	/** The key of a record as bpftool's hex byte arguments. */
	private static String[] hexBytes(Taint t) {
		ByteBuffer b = ByteBuffer.allocate(TaintLayout.Key.SIZE).order(java.nio.ByteOrder.nativeOrder());
		b.putInt(t.tgid()).putInt(t.cmd()).putInt(t.kind()).putInt(t.id());
		String[] out = new String[TaintLayout.Key.SIZE];
		for (int i = 0; i < out.length; i++) {
			out[i] = Integer.toString(b.get(i) & 0xff);
		}
		return out;
	}

	/** Starts bpftool and waits for it; the caller checks the exit code if it cares. */
	private static Process bpftool(Object... args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of(KernelSupport.bpftool()));
		for (Object a : args) {
			if (a instanceof String[] many) {
				cmd.addAll(List.of(many));
			} else {
				cmd.add(String.valueOf(a));
			}
		}
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		assertTrue(p.waitFor(30, TimeUnit.SECONDS), cmd.toString());
		said.add(String.join(" ", cmd) + " -> " + p.exitValue() + ": " + out.strip());
		return p;
	}

	private static void run(Process p) throws Exception {
		assertEquals(0, p.waitFor(), "bpftool failed");
	}
}
