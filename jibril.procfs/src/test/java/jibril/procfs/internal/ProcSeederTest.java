package jibril.procfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfRuntime;
import jibril.bpf.MapType;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskLayout;

/** Seeding real /proc into real kernel maps shaped like the tasks program's. */
class ProcSeederTest {

    private BpfRuntime runtime;
    private BpfMap tasks;
    private BpfMap strings;

    @BeforeEach
    void maps() {
        String unsupported = null;
        try {
            BpfRuntime.checkSupported();
        } catch (BpfException e) {
            unsupported = e.getMessage();
        }
        Assumptions.assumeTrue(unsupported == null, "this kernel cannot run eBPF here: " + unsupported);
        runtime = new BpfRuntime((level, message) -> { });
        tasks = runtime.createMap(MapType.HASH, "t_tasks", 8, TaskLayout.SIZE, 65_536);
        strings = runtime.createMap(MapType.HASH, "t_strings", 8, StringLayout.SIZE, 65_536);
    }

    @AfterEach
    void close() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void everyProcessIsSeededWithTheKernelsKeysAndParents() throws Exception {
        ProcSeeder.Result r = new ProcSeeder(Path.of("/proc"), tasks, strings).seed();
        assertTrue(r.seeded() > 5, "seeded " + r.asMap());
        assertEquals(0, r.failed(), r.errors().toString());

        long pid = ProcessHandle.current().pid();
        ProcSeeder.Proc self = ProcSeeder.read(Path.of("/proc/" + pid));
        assertNotNull(self);
        TaskLayout.Task t = lookup(Keys.taskKey((int) pid, self.startNs()));
        assertNotNull(t, "our own process is not in the map");
        assertEquals(pid, t.pid());
        assertEquals(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString(), string(t.exeKey()));
        assertTrue(string(t.argsKey()).startsWith(new String(Files.readAllBytes(Path.of("/proc/self/cmdline")))
                .substring(0, 20)));
        ProcSeeder.Proc parent = ProcSeeder.read(Path.of("/proc/" + t.ppid()));
        assertEquals(Keys.taskKey(parent.pid(), parent.startNs()), t.parentKey());
        assertNotNull(lookup(t.parentKey()), "the parent is seeded too");
        assertEquals(0, t.execSeq(), "a seeded process is not an exec: no exec event may come of it");

        ProcSeeder.Result again = new ProcSeeder(Path.of("/proc"), tasks, strings).seed();
        assertTrue(again.known() >= r.seeded() - 5, "the second pass overwrote entries: " + again.asMap());
    }

    @Test
    void whatTheKernelRecordedIsNeverOverwritten() {
        long pid = ProcessHandle.current().pid();
        ProcSeeder.Proc self = ProcSeeder.read(Path.of("/proc/" + pid));
        long key = Keys.taskKey((int) pid, self.startNs());
        TaskLayout.Task kernel = new TaskLayout.Task(key, 1, self.startNs(), 5, 0, 42, 43, 7, (int) pid, 1, 0, 0, 0,
                TaskLayout.FLAG_EXECED, "kernel-wrote");
        tasks.update(keyBytes(key), kernel.encode(), jibril.bpf.UpdateFlag.ANY);
        new ProcSeeder(Path.of("/proc"), tasks, strings).seed();
        assertEquals("kernel-wrote", lookup(key).comm());
        assertEquals(7, lookup(key).execSeq());
    }

    @Test
    void aFullMapIsCountedNotHidden() {
        BpfMap tiny = runtime.createMap(MapType.HASH, "t_tiny", 8, TaskLayout.SIZE, 2);
        ProcSeeder.Result r = new ProcSeeder(Path.of("/proc"), tiny, strings).seed();
        assertEquals(2, r.seeded());
        assertTrue(r.failed() > 0);
        assertTrue(r.errors().get(0).contains("E2BIG") || r.errors().get(0).contains("full")
                || r.errors().get(0).contains("7"), r.errors().toString());
    }

    private TaskLayout.Task lookup(long key) {
        byte[] v = tasks.lookup(keyBytes(key));
        return v == null ? null : TaskLayout.decode(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()));
    }

    private String string(long key) {
        byte[] v = strings.lookup(keyBytes(key));
        return v == null ? null : StringLayout.decode(ByteBuffer.wrap(v).order(ByteOrder.nativeOrder())).text();
    }

    private static byte[] keyBytes(long key) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(key).array();
    }
}
