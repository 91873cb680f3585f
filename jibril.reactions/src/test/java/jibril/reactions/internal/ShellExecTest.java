package jibril.reactions.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jibril.core.api.Reaction;

/** Shell reactions: environment, directory, output, exit codes, the time limit and a fork bomb. */
class ShellExecTest {

    @TempDir
    Path dir;

    private String run(String code, Duration limit) throws Exception {
        return new ShellExec(Fixtures.options(dir), new Libc())
                .run(new Reaction("probe_recipe", 1, "shell", code), "u-1", "{\"a\":1}", limit);
    }

    @Test
    void minimalEnvironmentFreshPrivateDirectoryRemovedAfterwards() throws Exception {
        String out = run("""
                echo "data=$REACTION_DATA recipe=$REACTION_RECIPE index=$REACTION_INDEX uuid=$REACTION_UUID"
                echo "pwd=$PWD home=$HOME"
                stat -c '%a' .
                cat "$REACTION_DATA_FILE"; echo
                env | cut -d= -f1 | sort | tr '\\n' ' '; echo
                echo oops >&2
                """, Duration.ofSeconds(5));
        String[] lines = out.split("\n");
        assertEquals("data={\"a\":1} recipe=probe_recipe index=1 uuid=u-1", lines[0]);
        String pwd = lines[1].substring("pwd=".length(), lines[1].indexOf(' '));
        assertTrue(pwd.startsWith(dir.resolve("tmp").toString() + "/shell-"), pwd);
        assertEquals("700", lines[2]);
        assertEquals("{\"a\":1}", lines[3]);
        assertEquals("HOME LANG PATH PWD REACTION_DATA REACTION_DATA_FILE REACTION_INDEX REACTION_RECIPE "
                + "REACTION_UUID TMPDIR ", lines[4].replace("OLDPWD ", "").replace("SHLVL ", "").replace("_ ", ""));
        assertEquals("oops", lines[5]);
        assertTrue(!Files.exists(Path.of(pwd)), "the directory is removed");
    }

    @Test
    void failureCarriesTheExitCodeAndOutput() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> run("echo before; exit 3", Duration.ofSeconds(5)));
        assertTrue(e.getMessage().startsWith("exit code 3; output: before"), e.getMessage());
    }

    @Test
    void overrunKillsEverythingItStarted() throws Exception {
        Path marker = dir.resolve("marker");
        long t0 = System.nanoTime();
        TimeoutException e = assertThrows(TimeoutException.class,
                () -> run("(sleep 3; touch " + marker + ") & sleep 30", Duration.ofMillis(500)));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000, e.getMessage());
        Thread.sleep(3500);
        assertTrue(!Files.exists(marker), "the background child was killed with the group");
        try (var s = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, s.count(), "its directory is removed");
        }
    }

    @Test
    void forkBombIsStoppedByTheLimit() throws Exception {
        long t0 = System.nanoTime();
        assertThrows(TimeoutException.class, () -> run("b() { b | b & }; b; sleep 30", Duration.ofSeconds(1)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 8000, ms + " ms");
        Thread.sleep(300);
        // nothing of it is left: no sh whose working directory is under our temp root
        long left = ProcessHandle.allProcesses().filter(h -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "cwd")).startsWith(dir);
            } catch (Exception ex) {
                return false;
            }
        }).count();
        assertEquals(0, left);
        // and the system can still start processes
        assertEquals("ok\n", run("echo ok", Duration.ofSeconds(5)));
    }
}
