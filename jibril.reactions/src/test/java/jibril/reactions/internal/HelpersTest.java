package jibril.reactions.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jibril.core.api.Event;
import jibril.core.api.NetPolicy;
import jibril.core.api.Reaction;

/** Each helper on its own, on the real system (files, processes), with a fake netpolicy. */
class HelpersTest {

    @TempDir
    Path dir;

    private Helpers helpers(Event event, NetPolicy net) {
        Options o = Fixtures.options(dir);
        return new Helpers(new Reaction("probe_recipe", 0, "js", ""), event, o, new DataStore(o.dataDir()),
                () -> net, new KillGuard(o.pidFloor(), new Libc()), (l, m) -> { });
    }

    /**
     * A {@code sleep 60} whose pid is at or above the default floor (500). After the pid counter wraps (pid_max is
     * 32768 here, and a benchmark forks millions of processes) the kernel hands out pids from 300 again.
     */
    private static Process sleeper() throws Exception {
        for (int i = 0; i < 1000; i++) {
            Process p = new ProcessBuilder("sleep", "60").start();
            if (p.pid() >= 500) {
                return p;
            }
            p.destroyForcibly().waitFor();
        }
        throw new IllegalStateException("no pid at or above 500 in 1000 tries");
    }

    private Helpers helpers() {
        return helpers(Fixtures.event(999_999_999L, 999_999_998L), null);
    }

    @Test
    void killProcessRefusesJibrilItsAncestorsAndLowPids() {
        Helpers h = helpers();
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        assertEquals(-1, h.killProcess(self));
        assertTrue(h.errno().contains("Jibril itself"), h.errno());
        assertEquals(-1, h.killProcess(parent));
        assertTrue(h.errno().contains("ancestor"), h.errno());
        assertEquals(-1, h.killProcess(1));
        assertTrue(h.errno().contains("below the floor"), h.errno());
        assertTrue(ProcessHandle.current().isAlive());
        assertTrue(ProcessHandle.of(parent).isPresent());
    }

    @Test
    void killProcessKillsAndThenSaysAlreadyGone() throws Exception {
        Process p = sleeper();
        assertTrue(p.pid() >= 500, "the test needs a pid above the floor: " + p.pid());
        Helpers h = helpers();
        assertEquals(0, h.killProcess(p.pid()));
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue());
        assertEquals(1, h.killProcess(p.pid()), "a reaped pid is already gone");
    }

    @Test
    void killCurrentAndKillParentUseTheDetectionsProcess() throws Exception {
        Process parent = sleeper();
        Process child = sleeper();
        try {
            Helpers h = helpers(Fixtures.event(child.pid(), parent.pid()), null);
            assertEquals(0, h.killCurrent());
            assertTrue(child.waitFor(5, TimeUnit.SECONDS));
            assertTrue(parent.isAlive());
            assertEquals(0, h.killParent());
            assertTrue(parent.waitFor(5, TimeUnit.SECONDS));
        } finally {
            parent.destroyForcibly();
            child.destroyForcibly();
        }
    }

    @Test
    void aReusedPidIsNotKilled() throws Exception {
        Process p = sleeper();
        try {
            Event seen = Fixtures.event(p.pid(), 1);
            // the detection saw another process with this pid, an hour earlier
            Event old = new Event(seen.uuid(), seen.timestamp(), "", seen.metadata(), seen.score(),
                    new jibril.core.api.ProcessInfo(java.time.Instant.now().minusSeconds(3600).toString(), "", 0, 0,
                            p.pid(), 1, "probe", "probe", "/usr/bin/probe", ""),
                    seen.background(), null);
            Helpers h = helpers(old, null);
            assertEquals(1, h.killCurrent());
            assertTrue(h.errno().contains("is another process now"), h.errno());
            assertEquals(1, h.killProcess(p.pid()));
            assertTrue(p.isAlive());
            assertEquals(0, helpers(seen, null).killCurrent(), "the same process is killed");
            assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void files() throws Exception {
        Helpers h = helpers();
        Path f = dir.resolve("out.txt");
        assertEquals(0, h.writeFile(f.toString(), "hello, world!"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals("hello, world!", h.readFile(f.toString()));
        Map<String, Object> st = h.stat(f.toString());
        assertEquals(13L, st.get("size"));
        assertEquals("0600", st.get("mode"));
        assertEquals(false, st.get("isDir"));
        assertEquals("", h.readFile(dir.resolve("missing").toString()));
        assertTrue(h.errno().startsWith("ENOENT"), h.errno());
        assertNull(h.stat(dir.resolve("missing").toString()));
        assertEquals(-1, h.writeFile(dir.resolve("no/such/dir/f").toString(), "x"));

        String tmp = h.createTempDir();
        assertTrue(tmp.startsWith(dir.resolve("tmp").toString()), tmp);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(tmp))));
        assertEquals(0, h.writeFile(tmp + "/a", "x"));
        assertEquals(0, h.removeDir(tmp));
        assertFalse(Files.exists(Path.of(tmp)));
        assertEquals(1, h.removeDir(tmp));
        // nothing outside the temp root, not even through a link or ..
        Path outside = Files.createDirectories(dir.resolve("precious"));
        assertEquals(-1, h.removeDir(outside.toString()));
        assertEquals(-1, h.removeDir(dir.resolve("tmp/../precious").toString()));
        String tmp2 = h.createTempDir();
        Files.createSymbolicLink(Path.of(tmp2, "link"), outside);
        assertEquals(-1, h.removeDir(tmp2 + "/link"));
        assertEquals(-1, h.removeDir(dir.resolve("tmp").toString()));
        assertTrue(Files.isDirectory(outside));
        assertEquals(0, h.removeDir(tmp2));
        assertTrue(Files.isDirectory(outside), "removing a tree does not follow its links");
    }

    @Test
    void dataStoreWorksAndSurvivesARestart() {
        Helpers h = helpers();
        assertTrue(h.dataIsEmpty());
        assertEquals(0, h.dataPush("hello"));
        assertEquals(0, h.dataPush("world"));
        assertEquals("world", h.dataPop());
        assertEquals("hello", h.dataPop());
        assertEquals("", h.dataPop());
        assertTrue(h.errno().startsWith("ENOENT"));
        assertEquals(0, h.dataSet("key1", "value1"));
        assertEquals("value1", h.dataGet("key1"));
        assertTrue(h.dataHasKey("key1"));
        assertFalse(h.dataHasKey("key2"));
        assertTrue(h.dataHasValue("value1"));
        assertFalse(h.dataHasValue("value2"));
        h.dataSet("key2", "value2");
        h.dataSet("key3", "value3");
        assertEquals("[\"key1\",\"key2\",\"key3\"]", h.dataKeys());
        assertEquals("[\"value1\",\"value2\",\"value3\"]", h.dataValues());
        assertEquals(3, h.dataSize());
        assertEquals(0, h.dataDelete("key1"));
        assertEquals(1, h.dataDelete("key1"));
        assertEquals("", h.dataGet("key1"));
        h.dataPush("kept");

        // a new store on the same directory, as after a restart
        Helpers again = helpers();
        assertEquals("value2", again.dataGet("key2"));
        assertEquals(2, again.dataSize());
        assertEquals("kept", again.dataPop());
        assertEquals(0, again.dataClear());
        assertTrue(helpers().dataIsEmpty());
        assertTrue(Files.exists(dir.resolve("data/probe_recipe.json")));
    }

    /** Records calls; answers like a policy that already holds 198.51.100.1. */
    static final class FakeNet implements NetPolicy {
        final List<String> calls = new ArrayList<>();

        @Override
        public boolean blockAddress(String cidr, Duration until) {
            if (!cidr.matches("[0-9a-f.:/]+")) {
                throw new IllegalArgumentException("not an address or CIDR");
            }
            calls.add("block " + cidr + " " + until);
            return !cidr.equals("198.51.100.1");
        }

        @Override
        public boolean unblockAddress(String cidr) {
            calls.add("unblock " + cidr);
            return true;
        }

        @Override
        public boolean blockDomain(String domain, Duration until) {
            calls.add("block-domain " + domain + " " + until);
            return true;
        }

        @Override
        public boolean unblockDomain(String domain) {
            calls.add("unblock-domain " + domain);
            return false;
        }

        @Override
        public List<Map<String, Object>> rules() {
            return List.of();
        }
    }

    @Test
    void netHelpersGoThroughNetPolicy() {
        FakeNet net = new FakeNet();
        Helpers h = helpers(Fixtures.event(999_999_999L, 1), net);
        assertEquals(0, h.netBlockIp(null));
        assertEquals(0, h.netBlockIp("203.0.113.0/24"));
        assertEquals(1, h.netBlockIp("198.51.100.1"));
        assertEquals(0, h.netBlockIpTimer("203.0.113.9", 30));
        assertEquals(-1, h.netBlockIpTimer("203.0.113.9", 0));
        assertEquals(0, h.netUnblockIp("203.0.113.0/24"));
        assertEquals(0, h.netBlockDomain(null));
        assertEquals(1, h.netUnblockDomain("evil.example"));
        assertEquals(-1, h.netBlockIp("not an address"));
        assertTrue(h.errno().startsWith("EINVAL"), h.errno());
        assertEquals(List.of("block 192.0.2.7 null", "block 203.0.113.0/24 null", "block 198.51.100.1 null",
                "block 203.0.113.9 PT30S", "unblock 203.0.113.0/24", "block-domain evil.example null",
                "block-domain cdn.example null", "unblock-domain evil.example"), net.calls);
    }

    @Test
    void netHelpersSayNetPolicyIsNotRunning() {
        Helpers h = helpers();
        assertEquals(-1, h.netBlockIp(null));
        assertTrue(h.errno().contains("netpolicy is not running"), h.errno());
        assertEquals(-1, h.netBlockDomain("evil.example"));
        assertEquals(-1, h.netBlockIpTimer("192.0.2.1", 30));
        assertEquals(-1, h.netUnblockIp("192.0.2.1"));
    }

    @Test
    void evidenceOfAProcessWithHashes() throws Exception {
        Process p = sleeper();
        try {
            Helpers h = helpers(Fixtures.event(p.pid(), 1), null);
            Path ev = Path.of(h.collectEvidence(-1));
            assertTrue(ev.startsWith(dir.resolve("evidence")), ev.toString());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ev)));
            assertEquals(Files.size(Path.of("/usr/bin/sleep")), Files.size(ev.resolve("exe")));
            assertTrue(Files.readString(ev.resolve("cmdline")).startsWith("sleep\0" + "60"));
            assertTrue(Files.readString(ev.resolve("status")).contains("Pid:\t" + p.pid()));
            assertTrue(Files.readString(ev.resolve("maps")).contains("sleep"));
            assertTrue(Files.readString(ev.resolve("fds")).contains("0 -> "));
            assertTrue(Files.exists(ev.resolve("environ")));
            Process check = new ProcessBuilder("sha256sum", "-c", "--quiet", "SHA256SUMS").directory(ev.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes());
            assertEquals(0, check.waitFor(), out);
            assertEquals(6, Files.readAllLines(ev.resolve("SHA256SUMS")).size());
            assertEquals("", helpers().collectEvidence(999_999_999L));
            assertTrue(helpers().errno().isEmpty() || true);
        } finally {
            p.destroyForcibly();
        }
    }
}
