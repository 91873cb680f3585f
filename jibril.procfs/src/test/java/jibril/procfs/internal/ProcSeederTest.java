package jibril.procfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jibril.bpf.BpfException;
import jibril.bpf.BpfMap;
import jibril.bpf.BpfRuntime;
import jibril.bpf.MapType;
import jibril.bpf.StringDictionary;
import jibril.bpf.layout.FileLayout;
import jibril.bpf.layout.Keys;
import jibril.bpf.layout.StringLayout;
import jibril.bpf.layout.TaskFileLayout;
import jibril.bpf.layout.TaskLayout;

/** Seeding real /proc into real kernel maps shaped like the tasks program's. */
class ProcSeederTest {

    private BpfRuntime runtime;
    private BpfMap tasks;
    private StringDictionary strings;

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
        strings = new StringDictionary(runtime.createMap(MapType.HASH, "t_strings_short", 8, StringLayout.SHORT_SIZE, 65_536),
                runtime.createMap(MapType.HASH, "t_strings", 8, StringLayout.SIZE, 65_536));
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
    void openAndMappedFilesAreSeededAsTheKernelKeysThem() throws Exception {
        BpfMap files = runtime.createMap(MapType.HASH, "t_files", 8, FileLayout.SIZE, 65_536);
        BpfMap taskFile = runtime.createMap(MapType.HASH, "t_task_file", 16, TaskFileLayout.SIZE, 262_144);
        BpfMap cursors = runtime.createMap(MapType.ARRAY, "t_file_cursors", 4, 8, 4);
        Path held = Files.createTempFile("jibril-seed-", ".txt");
        try (FileChannel open = FileChannel.open(held, StandardOpenOption.READ)) {
            ProcSeeder.Result r = new ProcSeeder(Path.of("/proc"), tasks, strings, files, taskFile, cursors).seed();
            assertTrue(r.filePairs() > 10, "seeded " + r.asMap());
            assertEquals(0, r.filesFailed(), r.errors().toString());
            // The pairs it inserted are counted where the data layer's index by pid looks (they have no generation).
            assertEquals(r.filePairs(), cursor(cursors, TaskFileLayout.CURSOR_SEEDED_PAIRS));
            assertEquals(0, cursor(cursors, TaskFileLayout.CURSOR_PAIRS), "the pair cursor is the data layer's");

            long pid = ProcessHandle.current().pid();
            ProcSeeder.Proc self = ProcSeeder.read(Path.of("/proc/" + pid));
            long taskKey = Keys.taskKey((int) pid, self.startNs());
            String path = held.toRealPath().toString();
            long fileKey = Keys.stringKey(path);
            assertEquals(path, string(fileKey), "the path is in the dictionary under the kernel's key");

            ByteBuffer pair = lookup(taskFile, taskKey, fileKey);
            assertNotNull(pair, "our open file is not seeded");
            int actions = pair.getInt(TaskFileLayout.OFF_ACTIONS);
            assertEquals(1 << TaskFileLayout.ACT_OPEN, actions);
            assertEquals(1, pair.getInt(TaskFileLayout.OFF_COUNTS + 4 * TaskFileLayout.ACT_OPEN));
            assertEquals(0, pair.getLong(TaskFileLayout.OFF_GEN), "seeded pairs are not new actions");
            assertEquals(pid, pair.getInt(TaskFileLayout.OFF_PID));

            ByteBuffer fb = ByteBuffer.wrap(files.lookup(longKey(fileKey))).order(ByteOrder.nativeOrder());
            FileLayout.FileInfo info = FileLayout.FileInfo.decode(fb);
            assertEquals(Files.getAttribute(held, "unix:ino"), info.ino());
            assertEquals(Files.getAttribute(held, "unix:dev"), FileLayout.statDev(info.dev()));
            assertEquals("file", info.type());
            assertEquals(0600, info.permissions() & 0777);
            assertTrue(info.mntId() > 0, "mount id from fdinfo");
            assertTrue(info.fsKey() != 0 && !string(info.fsKey()).isEmpty(), "file system type from mountinfo");

            // The JVM's own library is mapped, not held by a descriptor.
            String libjvm = Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith("/libjvm.so"))
                    .findFirst().orElseThrow().replaceAll(".* ", "");
            ByteBuffer mapped = lookup(taskFile, taskKey, Keys.stringKey(libjvm));
            assertNotNull(mapped, "the mapped " + libjvm + " is not seeded");
            assertTrue((mapped.getInt(TaskFileLayout.OFF_ACTIONS) & (1 << TaskFileLayout.ACT_MMAP)) != 0);

            // What the kernel recorded first wins: a second pass changes nothing.
            pair.putLong(TaskFileLayout.OFF_GEN, 42);
            taskFile.update(pairKey(taskKey, fileKey), pair.array(), jibril.bpf.UpdateFlag.ANY);
            ProcSeeder.Result again = new ProcSeeder(Path.of("/proc"), tasks, strings, files, taskFile, cursors).seed();
            assertEquals(42, lookup(taskFile, taskKey, fileKey).getLong(TaskFileLayout.OFF_GEN));
            assertEquals(r.filePairs() + again.filePairs(), cursor(cursors, TaskFileLayout.CURSOR_SEEDED_PAIRS),
                    "a second seeding adds what it inserted");
        } finally {
            Files.deleteIfExists(held);
        }
    }

    private static long cursor(BpfMap cursors, int index) {
        byte[] v = cursors.lookup(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array());
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong();
    }

    private static byte[] longKey(long k) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, k).array();
    }

    private static byte[] pairKey(long task, long file) {
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0, task).putLong(8, file).array();
    }

    private static ByteBuffer lookup(BpfMap map, long task, long file) {
        byte[] v = map.lookup(pairKey(task, file));
        return v == null ? null : ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
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
        StringLayout.Text t = strings.text(key);
        return t == null ? null : t.text();
    }

    private static byte[] keyBytes(long key) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(key).array();
    }
}
