package jibril.printers.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.osgi.service.log.Logger;

import jibril.core.api.Event;

/**
 * What the varlog and file printers share: the chain key, the {@link ChainedLog} and the options both understand
 * ({@code max-size}, {@code max-age}, {@code keep}, {@code chain-key}).
 */
final class ChainedPrinter implements AutoCloseable {

    static final String MAX_SIZE = "max-size";
    static final String MAX_AGE = "max-age";
    static final String KEEP = "keep";
    static final String CHAIN_KEY = "chain-key";
    static final Set<String> COMMON = Set.of(MAX_SIZE, MAX_AGE, KEEP, CHAIN_KEY);

    private final EventJson json = new EventJson();
    private final ChainedLog log;

    /** Opens (or resumes) the log; key problems and resumed gaps are logged as warnings. */
    ChainedPrinter(String name, Path file, Options o, String maxSize, String maxAge, String keep, String chainKey,
            Logger logger) throws IOException {
        ChainedLog.Settings settings = new ChainedLog.Settings(file, o.size(MAX_SIZE, maxSize),
                o.duration(MAX_AGE, maxAge), o.integer(KEEP, keep, 0, 100_000));
        Path keyPath = o.path(CHAIN_KEY, chainKey);
        ChainKey.Loaded key = ChainKey.loadOrCreate(keyPath);
        if (key.created()) {
            logger.info("printer {}: made the chain key {} (mode 0600); keep it: without it the logs cannot be verified",
                    name, keyPath);
        }
        if (key.exposed()) {
            logger.warn("printer {}: the chain key {} is readable by others than its owner; run chmod 600 {}", name,
                    keyPath, keyPath);
        }
        log = new ChainedLog(settings, new Chain(key.key()), Clock.systemUTC(),
                w -> logger.warn("printer {}: {}", name, w));
    }

    void print(Event event) throws IOException {
        log.append(json.toJson(event));
    }

    void flush() throws IOException {
        log.flush();
    }

    Map<String, Object> status() {
        return new LinkedHashMap<>(log.status());
    }

    @Override
    public void close() throws IOException {
        log.close();
    }
}
