package jibril.hold.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The daemon's log: every entry of the OSGi log service at or above the configured level ({@code run-time.log-level},
 * or {@code --log-level}) as one line on the process's standard error, or appended to the file named by
 * {@code run-time.stderr}. Level and destination change live with the configuration.
 */
@Component(immediate = true, configurationPid = LogWriter.PID, service = {})
@Designate(ocd = LogWriter.Config.class)
public class LogWriter implements LogListener {

    static final String PID = "jibril.runtime";

    @ObjectClassDefinition(name = "Jibril run-time")
    @interface Config {
        @AttributeDefinition(name = "log.level", description = "quiet, fatal, error, warn, info or debug")
        String log_level() default "";

        @AttributeDefinition(description = "stderr, or a file the log is appended to")
        String stderr() default "stderr";
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT.withZone(ZoneOffset.UTC);

    @Reference
    private LogReaderService reader;

    /** Sets the framework-wide level, so that entries below it are not even created. */
    @Reference
    private LoggerAdmin admin;

    private final PrintStream stderr = new PrintStream(new FileOutputStream(FileDescriptor.err), true,
            StandardCharsets.UTF_8);
    private volatile PrintStream err = stderr;
    private String destination = "stderr";
    private volatile int threshold;
    private String launchLevel;

    @Activate
    void activate(BundleContext context, Config config) {
        launchLevel = context.getProperty("jibril.log-level");
        modified(config);
        // Entries logged before this component started (config errors among them) are in the history, newest
        // first; they are written once, then the listener takes over.
        java.util.List<LogEntry> backlog = java.util.Collections.list(reader.getLog());
        reader.addLogListener(this);
        for (int i = backlog.size() - 1; i >= 0; i--) {
            logged(backlog.get(i));
        }
    }

    @Modified
    synchronized void modified(Config config) {
        String wanted = config.stderr() == null || config.stderr().isBlank() ? "stderr" : config.stderr();
        if (!wanted.equals(destination)) {
            PrintStream old = err;
            if (wanted.equals("stderr")) {
                err = stderr;
            } else {
                try {
                    java.nio.file.Path file = java.nio.file.Path.of(wanted);
                    if (file.toAbsolutePath().getParent() != null) {
                        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
                    }
                    err = new PrintStream(new FileOutputStream(file.toFile(), true), true, StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    stderr.println("jibril: cannot write the log to " + wanted + ": " + e.getMessage()
                            + "; logging to stderr");
                    err = stderr;
                    wanted = "stderr";
                }
            }
            destination = wanted;
            if (old != stderr) {
                old.close();
            }
        }
        String level = launchLevel != null && !launchLevel.isBlank() ? launchLevel : config.log_level();
        threshold = thresholdOf(level);
        LogLevel root = threshold < 0 ? LogLevel.AUDIT : LogLevel.values()[threshold];
        admin.getLoggerContext(null).setLogLevels(java.util.Map.of(Logger.ROOT_LOGGER_NAME, root));
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
        err.flush();
        if (err != stderr) {
            err.close();
        }
    }

    /** Maps Jibril's level names to the highest OSGi level ordinal that is written; -1 writes nothing. */
    static int thresholdOf(String level) {
        return switch (level == null || level.isBlank() ? "info" : level.toLowerCase()) {
            case "quiet" -> -1;
            case "fatal" -> LogLevel.AUDIT.ordinal();
            case "error" -> LogLevel.ERROR.ordinal();
            case "warn", "warning" -> LogLevel.WARN.ordinal();
            case "debug" -> LogLevel.DEBUG.ordinal();
            case "trace" -> LogLevel.TRACE.ordinal();
            default -> LogLevel.INFO.ordinal();
        };
    }

    @Override
    public void logged(LogEntry entry) {
        int level = entry.getLogLevel().ordinal();
        // The framework logs every bundle and service event at INFO (loggers Events.Bundle, Events.Service…):
        // useful when debugging, noise otherwise.
        if (entry.getLoggerName() != null && entry.getLoggerName().startsWith("Events.")
                && level > LogLevel.WARN.ordinal()) {
            level = LogLevel.DEBUG.ordinal();
        }
        if (level > threshold) {
            return;
        }
        err.println(format(entry));
    }

    static String format(LogEntry entry) {
        StringBuilder line = new StringBuilder(160)
                .append(TIME.format(Instant.ofEpochMilli(entry.getTime())))
                .append(' ').append(entry.getLogLevel())
                .append(' ').append(entry.getBundle() == null ? "-" : entry.getBundle().getSymbolicName())
                .append(": ").append(entry.getMessage());
        Throwable t = entry.getException();
        if (t != null) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new java.io.PrintWriter(trace));
            line.append('\n').append(trace.toString().stripTrailing());
        }
        return line.toString();
    }
}
