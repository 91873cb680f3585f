package jibril.config.internal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.Daemon;
import jibril.core.api.StatusSource;

/**
 * Reads config.yaml, feeds ConfigAdmin with one configuration per component, and applies changes live. The work
 * runs on the {@link ConfigWorker} thread: activation returns at once.
 *
 * <p>Framework properties read: {@code jibril.config} (the file; else {@code /etc/jibril/config.yaml} if it exists,
 * else the embedded default), {@code jibril.config.poll.ms} (poll interval, default 1000), and the command-line
 * overrides of {@link Overrides}.
 *
 * <p>A configuration that cannot be used at start stops the daemon with {@link Daemon#EXIT_CONFIG}, through the
 * {@link Daemon} service when there is one (also when it arrives later, while no good configuration was applied).
 */
@Component(immediate = true, service = StatusSource.class, property = StatusSource.NAME + "=config",
        configurationPolicy = ConfigurationPolicy.IGNORE)
public final class ConfigManager implements StatusSource {

    /** Framework property: the config file ({@code --config}). */
    public static final String FILE_PROPERTY = "jibril.config";
    /** Framework property: poll interval in milliseconds. */
    public static final String POLL_PROPERTY = "jibril.config.poll.ms";
    static final long DEFAULT_POLL_MS = 1000;
    static final long MIN_POLL_MS = 10;
    static final long STOP_TIMEOUT_MS = 5000;

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference
    private ConfigurationAdmin configAdmin;

    private final AtomicReference<Daemon> daemon = new AtomicReference<>();
    private final AtomicBoolean exitRequested = new AtomicBoolean();
    private volatile ConfigWorker worker;
    private volatile long pollMillis = DEFAULT_POLL_MS;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindDaemon(Daemon d) {
        daemon.set(d);
        ConfigWorker w = worker;
        if (w != null && w.failedAtStart()) {
            exit(d, "configuration " + w.status().file() + " is not usable: " + String.join("; ",
                    w.status().errors()));
        }
    }

    void unbindDaemon(Daemon d) {
        daemon.compareAndSet(d, null);
    }

    @Activate
    void activate(BundleContext context) {
        pollMillis = pollMillis(context.getProperty(POLL_PROPERTY));
        ConfigWorker w = ConfigWorker.choose(context.getProperty(FILE_PROPERTY), ConfigWorker.DEFAULT_FILE,
                Overrides.from(context::getProperty), new CmStore(configAdmin), new LogListener());
        worker = w;
        w.start(pollMillis);
    }

    @Deactivate
    void deactivate() {
        ConfigWorker w = worker;
        worker = null;
        if (w == null) {
            return;
        }
        try {
            if (!w.stop(STOP_TIMEOUT_MS)) {
                logger.warn("the configuration watcher did not stop within {} ms; interrupted it", STOP_TIMEOUT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Map<String, Object> status() {
        ConfigWorker w = worker;
        Map<String, Object> out = new LinkedHashMap<>();
        if (w == null) {
            out.put("state", "stopped");
            return out;
        }
        ConfigWorker.Status s = w.status();
        out.put("file", s.file());
        out.put("state", s.state());
        out.put("loaded", time(s.loaded()));
        out.put("applied", time(s.applied()));
        out.put("errors", s.errors());
        out.put("warnings", s.warnings());
        out.put("configurations", s.pids());
        out.put("poll.ms", pollMillis);
        return out;
    }

    @Override
    public boolean ready() {
        ConfigWorker w = worker;
        return w != null && w.status().ready();
    }

    private void exit(Daemon d, String reason) {
        if (exitRequested.compareAndSet(false, true)) {
            logger.error("{}; stopping the daemon (exit code {})", reason, Daemon.EXIT_CONFIG);
            d.exit(Daemon.EXIT_CONFIG, reason);
        }
    }

    private long pollMillis(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_POLL_MS;
        }
        try {
            return Math.max(MIN_POLL_MS, Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            logger.warn("framework property {}: \"{}\" is not a number of milliseconds; using {}", POLL_PROPERTY,
                    value, DEFAULT_POLL_MS);
            return DEFAULT_POLL_MS;
        }
    }

    private static String time(Instant t) {
        return t == null ? "never" : t.toString();
    }

    /** Sends the worker's reports to the OSGi log, and a start failure to the daemon. */
    private final class LogListener implements ConfigWorker.Listener {
        @Override
        public void info(String message) {
            logger.info("{}", message);
        }

        @Override
        public void warn(String message) {
            logger.warn("{}", message);
        }

        @Override
        public void error(String message) {
            logger.error("{}", message);
        }

        @Override
        public void startFailed(String reason) {
            Daemon d = daemon.get();
            if (d != null) {
                exit(d, reason);
            } else {
                logger.error("{}; no Daemon service to stop, so nothing is applied until the file is fixed",
                        reason);
            }
        }
    }
}
