package jibril.core.internal;

import java.io.IOException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Readiness for a systemd unit of {@code Type=notify}: when {@code NOTIFY_SOCKET} is set, sends
 * {@code READY=1} as soon as the daemon is ready, by the same test as {@code GET /health/ready} (every Jibril
 * bundle active, every status source ready, so the BPF programs are attached), and {@code STOPPING=1} the moment
 * the framework begins to stop. Without {@code NOTIFY_SOCKET} it does nothing.
 */
@Component(immediate = true)
public class SystemdNotifier {

    /** How often readiness is checked until it is reached. */
    static final long POLL_MS = 100;

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference
    private StatusReport report;

    private BundleContext context;
    private String socket;
    private Thread watcher;
    private SynchronousBundleListener stopping;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isBlank()) {
            return;
        }
        // Bundle 0 STOPPING is delivered, synchronously, before any bundle stops.
        stopping = event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
                notify("STOPPING=1\nSTATUS=stopping");
            }
        };
        context.addBundleListener(stopping);
        notify("STATUS=starting: loading the BPF programs");
        watcher = new Thread(this::awaitReady, "jibril-sd-notify");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void awaitReady() {
        long start = System.currentTimeMillis();
        try {
            while (!report.ready()) {
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            return;
        }
        notify("READY=1\nSTATUS=ready");
        logger.info("told systemd READY=1 ({} ms after the core started)", System.currentTimeMillis() - start);
    }

    private void notify(String message) {
        try {
            SdNotify.send(socket, message);
        } catch (IOException | UnsatisfiedLinkError e) {
            logger.error("cannot notify systemd at NOTIFY_SOCKET={}: {} (a Type=notify unit will time out)", socket,
                    e.getMessage());
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (stopping != null) {
            try {
                context.removeBundleListener(stopping);
            } catch (IllegalStateException stopped) {
                // the framework is stopping
            }
        }
        if (watcher != null) {
            watcher.interrupt();
            watcher.join(5_000);
        }
    }
}
