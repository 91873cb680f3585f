package jibril.hold.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

class LogWriterTest {

    @Test
    void levelsOfTheOriginalMapToOsgiLevels() {
        assertEquals(-1, LogWriter.thresholdOf("quiet"));
        assertEquals(LogLevel.ERROR.ordinal(), LogWriter.thresholdOf("error"));
        assertEquals(LogLevel.WARN.ordinal(), LogWriter.thresholdOf("warn"));
        assertEquals(LogLevel.WARN.ordinal(), LogWriter.thresholdOf("WARNING"));
        assertEquals(LogLevel.INFO.ordinal(), LogWriter.thresholdOf("info"));
        assertEquals(LogLevel.INFO.ordinal(), LogWriter.thresholdOf(""));
        assertEquals(LogLevel.DEBUG.ordinal(), LogWriter.thresholdOf("debug"));
        assertTrue(LogWriter.thresholdOf("fatal") < LogWriter.thresholdOf("error"));
    }
}
