package jibril.printers.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.core.api.Event;
import jibril.core.api.Printer;
import jibril.core.api.StatusSource;

/**
 * Prints events as JSON lines to the daemon's standard output, or to the file named by {@code run-time.stdout}
 * (which {@code --stdout FILE} overrides). Runs only while {@code jibril:printers:stdout} is in the config's
 * printer list. {@code raw=true} (the original product's option for the bare event) is accepted; as this printer
 * never adds anything to the event (no envelope, no chain), both forms are the same line today.
 */
@Component(configurationPid = { StdoutPrinter.RUNTIME_PID, StdoutPrinter.PID },
        configurationPolicy = ConfigurationPolicy.REQUIRE, service = Printer.class, property = Printer.NAME + "=stdout")
public class StdoutPrinter implements Printer, StatusSource {

    static final String PID = "jibril.printer.stdout";
    static final String RUNTIME_PID = "jibril.runtime";

    @ObjectClassDefinition(name = "Jibril stdout printer")
    @interface Config {
        @AttributeDefinition(description = "Where to write: 'stdout' or a file path (run-time.stdout, --stdout)")
        String stdout() default "stdout";

        @AttributeDefinition(description = "true: the bare event, nothing added (the option of the original product)")
        String raw() default "false";
    }

    private final EventJson json = new EventJson();
    private final Writer out;
    private final boolean ownsStream;
    private final boolean raw;
    private final String target;

    @Activate
    public StdoutPrinter(Config config) throws IOException {
        raw = new Options("stdout").bool("raw", config.raw());
        target = config.stdout();
        OutputStream stream;
        if (target.isEmpty() || target.equals("stdout") || target.equals("-")) {
            stream = new FileOutputStream(FileDescriptor.out);
            ownsStream = false;
        } else {
            Path file = Path.of(target);
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            stream = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            ownsStream = true;
        }
        out = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
    }

    @Override
    public void print(Event event) throws IOException {
        out.write(json.toJson(event));
        out.write('\n');
    }

    @Override
    public Map<String, Object> status() {
        return Map.of("target", target, "raw", raw);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Deactivate
    void deactivate() throws IOException {
        out.flush();
        if (ownsStream) {
            out.close();
        }
    }
}
