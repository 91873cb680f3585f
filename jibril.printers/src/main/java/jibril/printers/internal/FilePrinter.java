package jibril.printers.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import jibril.core.api.Event;
import jibril.core.api.Printer;
import jibril.core.api.StatusSource;

/**
 * {@code jibril:printers:file:path=/any/file.json}: events as chained JSON lines ({@link Chain}) in one file of the
 * user's choice, mode 0600. It does not rotate unless {@code max-size} or {@code max-age} say so (then as varlog).
 */
@Component(service = Printer.class, configurationPid = FilePrinter.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = Printer.NAME + "=file")
public class FilePrinter implements Printer, StatusSource {

    static final String PID = "jibril.printer.file";

    @ObjectClassDefinition(name = "Jibril file printer")
    @interface Config {
        @AttributeDefinition(description = "The file written to (absolute path; required)")
        String path() default "";

        @AttributeDefinition(description = "Rotate before the file grows past this size (512K, 100M, 1G; 0: never)")
        String max$_$size() default "0";

        @AttributeDefinition(description = "Rotate a file this old at the next event (30m, 24h, 7d; 0: never)")
        String max$_$age() default "0";

        @AttributeDefinition(description = "Rotated files kept; older ones are deleted")
        String keep() default VarlogPrinter.DEFAULT_KEEP;

        @AttributeDefinition(description = "The chain key (made, mode 0600, if missing)")
        String chain$_$key() default "/etc/jibril/chain.key";
    }

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private ChainedPrinter printer;

    @Activate
    void activate(Config config, Map<String, Object> props) throws IOException {
        Options o = new Options(String.valueOf(props.getOrDefault(Printer.NAME, "file")));
        Set<String> known = new HashSet<>(ChainedPrinter.COMMON);
        known.add("path");
        o.onlyKnown(props, known);
        Path file = o.path("path", config.path());
        printer = new ChainedPrinter("file", file, o, config.max$_$size(), config.max$_$age(), config.keep(),
                config.chain$_$key(), logger);
        logger.info("printer file writes {}", file);
    }

    @Override
    public void print(Event event) throws IOException {
        printer.print(event);
    }

    @Override
    public void flush() throws IOException {
        printer.flush();
    }

    @Override
    public Map<String, Object> status() {
        return printer.status();
    }

    @Deactivate
    void deactivate() throws IOException {
        printer.close();
    }
}
