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
 * {@code jibril:printers:varlog}: events as chained JSON lines ({@link Chain}) in {@code /var/log/jibril/jibril.log},
 * mode 0600, rotated by size and age, the last {@code keep} rotated files kept. Runs while the entry is in
 * {@code config.printer}; a changed entry restarts it, and the chain goes on.
 */
@Component(service = Printer.class, configurationPid = VarlogPrinter.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = Printer.NAME + "=varlog")
public class VarlogPrinter implements Printer, StatusSource {

    static final String PID = "jibril.printer.varlog";
    static final String DEFAULT_DIR = "/var/log/jibril";
    static final String DEFAULT_NAME = "jibril.log";
    static final String DEFAULT_MAX_SIZE = "100M";
    static final String DEFAULT_MAX_AGE = "1d";
    static final String DEFAULT_KEEP = "10";

    @ObjectClassDefinition(name = "Jibril varlog printer")
    @interface Config {
        @AttributeDefinition(description = "Directory of the log files (absolute)")
        String dir() default DEFAULT_DIR;

        @AttributeDefinition(description = "Name of the file written to; rotated files are <stem>-<time>-<seq><ext>")
        String name() default DEFAULT_NAME;

        @AttributeDefinition(description = "Rotate before the file grows past this size (512K, 100M, 1G; 0: never)")
        String max$_$size() default DEFAULT_MAX_SIZE;

        @AttributeDefinition(description = "Rotate a file this old at the next event (30m, 24h, 7d; 0: never)")
        String max$_$age() default DEFAULT_MAX_AGE;

        @AttributeDefinition(description = "Rotated files kept; older ones are deleted")
        String keep() default DEFAULT_KEEP;

        @AttributeDefinition(description = "The chain key (made, mode 0600, if missing)")
        String chain$_$key() default "/etc/jibril/chain.key";
    }

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private ChainedPrinter printer;

    @Activate
    void activate(Config config, Map<String, Object> props) throws IOException {
        String instance = String.valueOf(props.getOrDefault(Printer.NAME, "varlog"));
        Options o = new Options(instance);
        Set<String> known = new HashSet<>(ChainedPrinter.COMMON);
        known.addAll(Set.of("dir", "name"));
        o.onlyKnown(props, known);
        // An instance of the kind (type=varlog under another name) writes <its name>.log by default.
        String name = o.required("name", instance.equals("varlog") || !config.name().equals(DEFAULT_NAME)
                ? config.name() : instance + ".log");
        if (name.contains("/")) {
            throw o.problem("name", name, "a file name without '/'");
        }
        Path file = o.path("dir", config.dir()).resolve(name);
        printer = new ChainedPrinter(instance, file, o, config.max$_$size(), config.max$_$age(), config.keep(),
                config.chain$_$key(), logger);
        logger.info("printer varlog writes {}", file);
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
