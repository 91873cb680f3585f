package jibril.printers.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.Event;
import jibril.core.api.EventPublisher;
import jibril.core.api.Printer;
import jibril.core.api.StatusSource;

/**
 * Hands every published event to every {@link Printer} in the registry. Each printer has its own bounded queue
 * and thread ({@link PrinterChannel}), so a slow or failing printer delays nobody; what a full queue refuses is
 * counted per printer and shown in {@code jibril:status}. A printer that is also a {@link StatusSource} (without
 * registering as one) adds its own figures to its entry there: file and seq of the file printers, spool and
 * delivery state of the http printer.
 */
@Component(service = { EventPublisher.class, StatusSource.class }, property = StatusSource.NAME + "=printers")
public class PrinterWhiteboard implements EventPublisher, StatusSource {

    /** Events a printer may lag behind before new ones are refused (and counted). */
    static final int QUEUE_CAPACITY = 65_536;

    /**
     * Injected through the constructor: DS binds references in name order, so a field would still be null when
     * the printers present at creation are bound.
     */
    private final Logger logger;

    @Activate
    public PrinterWhiteboard(@Reference(service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
    }

    private final Map<Printer, PrinterChannel> channels = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addPrinter(Printer printer, Map<String, Object> props) {
        String name = String.valueOf(props.getOrDefault(Printer.NAME, printer.getClass().getName()));
        PrinterChannel channel = new PrinterChannel(name, printer, QUEUE_CAPACITY, logger);
        channels.put(printer, channel);
        channel.start();
        logger.info("printer {} added", name);
    }

    void removePrinter(Printer printer) {
        PrinterChannel channel = channels.remove(printer);
        if (channel != null) {
            channel.stop();
            logger.info("printer {} removed ({} printed, {} dropped, {} failed)", channel.name(), channel.printed(),
                    channel.dropped(), channel.failed());
        }
    }

    @Deactivate
    void deactivate() {
        channels.values().forEach(PrinterChannel::stop);
        channels.clear();
    }

    @Override
    public void publish(Event event) {
        for (PrinterChannel channel : channels.values()) {
            channel.offer(event);
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (PrinterChannel c : channels.values()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("printed", c.printed());
            one.put("dropped", c.dropped());
            one.put("failed", c.failed());
            one.put("queued", c.queued());
            if (c.printer() instanceof StatusSource own) {
                try {
                    one.putAll(own.status());
                } catch (RuntimeException e) {
                    one.put("status_error", e.toString());
                }
            }
            all.put(c.name(), one);
        }
        return all;
    }
}
