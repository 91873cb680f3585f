package jibril.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import org.junit.jupiter.api.Test;

class ShellTest {

    @Test
    void queryArgumentsBecomeOneQuotedGogoCommand() {
        assertEquals("jibril:query --json --exe 'ec(ho|at)$' --limit '5' 'processes'",
                Shell.queryCommand(new String[] { "processes", "--exe", "ec(ho|at)$", "--limit", "5" }));
        assertNull(Shell.queryCommand(new String[0]));
        assertNull(Shell.queryCommand(new String[] { "processes", "--exe" }));
        assertNull(Shell.queryCommand(new String[] { "processes", "stray" }));
        assertThrows(IllegalArgumentException.class, () -> Shell.quote("it's"));
    }

    @Test
    void anUnreachableDaemonIsExitCode3WithAHint() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Shell.run(new String[] { "--socket", "/nonexistent/jibril.sock", "-c", "lb" },
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertEquals(3, code);
        assertEquals(true, err.toString().contains("is it running"));
    }
}
