package jibril.example.printer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import jibril.core.api.Event;
import jibril.core.api.Printer;

/**
 * A printer a third party could write: one line per event ({@code <event name> <pid> <exe>}) appended to the file
 * named by the framework property {@code jibril.example.printer.file} (default
 * {@code /var/log/jibril/example-printer.log}). It only needs the exported {@code jibril.core.api} package.
 */
@Component(property = Printer.NAME + "=example")
public class CountingFilePrinter implements Printer {

    private BufferedWriter out;

    @Activate
    void activate(BundleContext context) throws IOException {
        String file = context.getProperty("jibril.example.printer.file");
        Path path = Path.of(file == null ? "/var/log/jibril/example-printer.log" : file);
        Files.createDirectories(path.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    @Override
    public void print(Event event) throws IOException {
        String name = event.metadata() == null ? "?" : event.metadata().name();
        String proc = event.process() == null ? "- -" : event.process().pid() + " " + event.process().exe();
        out.write(name + " " + proc);
        out.newLine();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Deactivate
    void deactivate() throws IOException {
        out.close();
    }
}
