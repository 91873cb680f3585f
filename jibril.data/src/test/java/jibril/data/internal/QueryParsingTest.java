package jibril.data.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import jibril.core.api.ProcessRecord;

class QueryParsingTest {

    @Test
    void argumentVectorsSplitOnNul() {
        assertEquals(List.of("/bin/ls", "-l", ""), TaskStore.splitArgs("/bin/ls\0-l\0\0"));
        assertEquals(List.of("/bin/ls", "a b"), TaskStore.splitArgs("/bin/ls\0a b\0"));
        assertEquals(List.of(), TaskStore.splitArgs(""));
    }

    @Test
    void retcodeIsTheExitCodeOr128PlusTheSignal() {
        assertEquals(3, record(3 << 8).retcode());
        assertEquals(137, record(9).retcode());
        assertEquals("a b c", record(0).cmd());
        assertEquals("b c", record(0).args());
    }

    @Test
    void sinceTakesAnInstantOrADurationBack() {
        assertEquals(Instant.parse("2026-11-25T10:00:00Z"), QueryCommand.instant("2026-11-25T10:00:00Z"));
        Instant fiveMinutesAgo = QueryCommand.instant("5m");
        long off = Duration.between(fiveMinutesAgo, Instant.now()).toSeconds();
        assertTrue(off >= 299 && off <= 301, "offset " + off);
        assertNull(QueryCommand.instant(""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QueryCommand.instant("soon"));
        assertTrue(e.getMessage().contains("--since"));
    }

    @Test
    void badRegexesSayWhichOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QueryCommand.regex("--exe", "(("));
        assertTrue(e.getMessage().startsWith("--exe:"));
    }

    @Test
    void theCommandRefusesWhatItDoesNotKnow() {
        QueryCommand c = new QueryCommand();
        assertThrows(IllegalArgumentException.class, () -> c.query(null));
        assertThrows(IllegalArgumentException.class, () -> c.query(null, "processes", "--pid"));
        assertThrows(IllegalArgumentException.class, () -> c.query(null, "processes", "--pid", "x"));
        assertThrows(IllegalArgumentException.class, () -> c.query(null, "sockets"));
        assertThrows(IllegalArgumentException.class, () -> c.query(null, "processes", "--colour", "red"));
    }

    private static ProcessRecord record(int exitCode) {
        return new ProcessRecord(1, 0, 10, 1, 0, 0, "a", "/bin/a", List.of("a", "b", "c"), 1, 1, 2, exitCode, 1,
                ProcessRecord.Place.UNKNOWN);
    }
}
