package jibril.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.util.Filter;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import jibril.core.api.FileRecord;
import jibril.core.api.ObservationListener;
import jibril.core.api.ProcessRecord;
import jibril.core.api.Query;
import jibril.core.api.StatusSource;

/**
 * The data layer across bundles: the Query service answers with real processes from the kernel's maps, and an
 * ObservationListener registered at run time is told of each new execution once.
 */
@RunWith(PaxExam.class)
public class DataLayerTest {

    @Inject
    private BundleContext context;

    /**
     * The data layer registers Query once the kernel has verified and attached its programs: on a busy 2-core host
     * that takes longer than Pax Exam's default 10 s.
     */
    @Inject
    @Filter(timeout = 60_000)
    private Query query;

    @Configuration
    public Option[] config() {
        return JibrilOptions.with(JibrilOptions.QUIET_CONFIG);
    }

    private Map<?, ?> fileStatus() throws Exception {
        var refs = context.getServiceReferences(StatusSource.class, "(" + StatusSource.NAME + "=data)");
        StatusSource data = context.getService(refs.iterator().next());
        try {
            return (Map<?, ?>) data.status().get("files");
        } finally {
            context.ungetService(refs.iterator().next());
        }
    }

    private long fileStatus(String key) throws Exception {
        return ((Number) fileStatus().get(key)).longValue();
    }

    @Test
    public void queriesAndObservationsSeeARealExecution() throws Exception {
        List<ProcessRecord> observed = new CopyOnWriteArrayList<>();
        List<FileRecord> files = new CopyOnWriteArrayList<>();
        ObservationListener listener = new ObservationListener() {
            @Override
            public void executed(ProcessRecord process) {
                observed.add(process);
            }

            @Override
            public void fileActions(FileRecord file, List<String> actions) {
                files.add(file);
            }
        };
        ServiceRegistration<ObservationListener> reg = context.registerService(ObservationListener.class, listener,
                null);
        try {
            Path dir = Path.of(context.getProperty("jibril.itest.dir"));
            Path exe = dir.resolve("jibril-data-" + UUID.randomUUID().toString().substring(0, 8));
            Files.copy(Path.of("/bin/true"), exe, StandardCopyOption.COPY_ATTRIBUTES);
            Pattern byExe = Pattern.compile(Pattern.quote(exe.toString()) + "$");
            Query.Filter filter = new Query.Filter(null, byExe, null, null, null, null, 0);
            // The programs may still be attaching when the framework starts: run it until it is seen (bounded).
            java.util.Set<Long> pids = new java.util.HashSet<>();
            for (int i = 0; i < 20 && query.processes(filter).isEmpty(); i++) {
                Process p = new ProcessBuilder(exe.toString(), "--flag", "value").start();
                pids.add(p.pid());
                p.waitFor();
                Waits.until(1_000, () -> !query.processes(filter).isEmpty());
            }
            List<ProcessRecord> found = query.processes(filter);
            assertTrue("not found by the query: " + exe, !found.isEmpty());
            ProcessRecord r = found.get(0);
            assertTrue("pid " + r.pid() + " is none of " + pids, pids.contains(r.pid()));
            long pid = r.pid();
            assertEquals(ProcessHandle.current().pid(), r.ppid());
            assertEquals(List.of(exe.toString(), "--flag", "value"), r.argv());
            assertTrue("no exit recorded", Waits.until(5_000, () -> query.processes(filter).stream()
                    .anyMatch(ProcessRecord::exited)));
            assertEquals(ProcessHandle.current().pid(), query.ancestry(r).get(0).pid());

            long wanted = pid;
            assertTrue("the listener was not told", Waits.until(5_000,
                    () -> observed.stream().anyMatch(o -> o.pid() == wanted && o.exe().equals(exe.toString()))));
            Thread.sleep(2_500); // a sweep: it must not report the same execution again
            // (Java's process launcher execs jspawnhelper first, under the same pid: count the binary's exec only.)
            assertEquals(1, observed.stream().filter(o -> o.pid() == wanted && o.exe().equals(exe.toString()))
                    .count());

            List<ProcessRecord> byPid = query.processes(new Query.Filter(pid, null, null, null, null, null, 0));
            assertTrue(byPid.stream().allMatch(p -> p.pid() == wanted));

            // A listener that wants file observations gets them: this JVM writes a file.
            Path written = dir.resolve("observed-" + UUID.randomUUID() + ".txt");
            Files.writeString(written, "x");
            assertTrue("no file observation for " + written, Waits.until(10_000, () -> files.stream()
                    .anyMatch(f -> f.path().equals(written.toString()) && f.actions().contains("write")
                            && f.process().pid() == ProcessHandle.current().pid())));
            Pattern writtenPath = Pattern.compile(Pattern.quote(written.toString()));
            assertTrue(query.files(new Query.Filter(null, null, writtenPath, null, null, null, 0)).stream()
                    .anyMatch(f -> f.actions().contains("create")));
            // The pid and since filters read the pair in place: this JVM's pid and a time before the write find it,
            // another pid or a time after it do not.
            long me = ProcessHandle.current().pid();
            java.time.Instant hourAgo = java.time.Instant.now().minusSeconds(3600);
            java.time.Instant inAnHour = java.time.Instant.now().plusSeconds(3600);
            assertEquals(1, query.files(new Query.Filter(me, null, writtenPath, null, null, hourAgo, 0)).size());
            assertTrue(query.files(new Query.Filter(me + 1_000_000, null, writtenPath, null, null, null, 0)).isEmpty());
            assertTrue(query.files(new Query.Filter(me, null, writtenPath, null, null, inAnHour, 0)).isEmpty());

            // A query for one process looks up its pairs in the index by pid instead of walking every pair.
            Path byChild = dir.resolve("child-" + UUID.randomUUID() + ".txt");
            Process child = new ProcessBuilder("/bin/sh", "-c", "echo x > '" + byChild + "'").start();
            assertTrue(child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
            long cpid = child.pid();
            assertTrue("no file observation for " + byChild, Waits.until(10_000, () -> files.stream()
                    .anyMatch(f -> f.path().equals(byChild.toString()) && f.process().pid() == cpid)));
            long indexed = fileStatus("file_queries_indexed");
            List<FileRecord> childs = query.files(new Query.Filter(cpid, null, null, null, null, null, 0));
            assertTrue(childs.toString(), childs.stream().anyMatch(f -> f.path().equals(byChild.toString())
                    && f.actions().contains("write") && f.actions().contains("create")));
            assertTrue(childs.toString(), childs.stream().allMatch(f -> f.process().pid() == cpid));
            assertEquals("answered from the index: " + fileStatus(), indexed + 1, fileStatus("file_queries_indexed"));
            assertTrue(fileStatus("file_index_pairs") > 0);
            // The kernel's file notices carry their pair: they were reported from those copies, not map reads.
            assertTrue(fileStatus().toString(), fileStatus("file_pairs_from_copies") > 0);
        } finally {
            reg.unregister();
        }
    }
}
