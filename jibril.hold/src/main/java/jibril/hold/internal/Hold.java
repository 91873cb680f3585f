package jibril.hold.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jibril.core.api.Daemon;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Keeps the daemon running until SIGTERM or SIGINT, then stops the framework in order (components deactivate,
 * programs detach, pinned maps stay) and ends the process with exit code 0, or with the code given to
 * {@link #exit(int, String)}.
 *
 * <p>The exit code is enforced by a shutdown hook that halts the JVM with it, because whatever main thread
 * launched the framework (bnd's launcher exits with its own code after a framework stop) must not decide it.
 */
@Component(immediate = true, service = Daemon.class)
public class Hold implements Daemon {

    private static final String[] SIGNALS = { "TERM", "INT" };

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    private BundleContext context;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger exitCode = new AtomicInteger();
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.length];

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        for (int i = 0; i < SIGNALS.length; i++) {
            String name = SIGNALS[i];
            previous[i] = Signal.handle(new Signal(name), s -> exit(0, "SIG" + name));
        }
        logger.info("holding: SIGTERM or SIGINT stops Jibril");
    }

    @Deactivate
    void deactivate() {
        if (!stopping.get()) {
            // Unloaded while the framework keeps running (bundle update): give the signals back.
            for (int i = 0; i < SIGNALS.length; i++) {
                Signal.handle(new Signal(SIGNALS[i]), previous[i]);
            }
        }
    }

    @Override
    public void exit(int code, String reason) {
        exitCode.set(code);
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        if (code == 0) {
            logger.info("stopping on {}", reason);
        } else {
            logger.error("stopping with exit code {}: {}", code, reason);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Runtime.getRuntime().halt(exitCode.get()),
                "jibril-exit-code"));
        Thread stopper = new Thread(() -> {
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                logger.error("could not stop the framework in order; halting", e);
                Runtime.getRuntime().halt(code == 0 ? 1 : code);
            }
        }, "jibril-stop");
        stopper.start();
    }
}
