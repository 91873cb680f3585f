package jibril.hold.internal;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The daemon's command endpoint: a Unix domain socket (default {@code /run/jibril/jibril.sock}, framework property
 * {@code jibril.socket}) in a directory only root may enter, refusing any peer that is not root. Each line a client
 * sends is a Gogo command; the answer is its output followed by a status line ({@link #STATUS_MARK} then 0 for
 * success or 1 for failure), which {@code bin/jibril shell} turns into its exit code.
 */
@Component(immediate = true)
public class AdminSocket {

    /** Starts the line that ends each answer. */
    public static final char STATUS_MARK = '\u0000';
    static final String DEFAULT_PATH = "/run/jibril/jibril.sock";

    @Reference(service = LoggerFactory.class)
    private Logger logger;

    @Reference
    private CommandProcessor processor;

    private final AtomicLong sessions = new AtomicLong();
    private ServerSocketChannel server;
    private Path path;
    private Thread acceptor;

    @Activate
    void activate(BundleContext context) throws IOException {
        String configured = context.getProperty("jibril.socket");
        path = Path.of(configured == null || configured.isBlank() ? DEFAULT_PATH : configured);
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        acceptor = new Thread(this::accept, "jibril-admin-socket");
        acceptor.setDaemon(true);
        acceptor.start();
        logger.info("admin socket listening on {}", path);
    }

    @Deactivate
    void deactivate() throws IOException, InterruptedException {
        server.close();
        acceptor.join(2_000);
        Files.deleteIfExists(path);
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread.ofVirtual().name("jibril-admin-" + sessions.incrementAndGet()).start(() -> serve(client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                logger.warn("admin socket accept failed", e);
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            OutputStream raw = Channels.newOutputStream(client);
            PrintStream out = new PrintStream(raw, true, StandardCharsets.UTF_8);
            if (!"root".equals(peer.user().getName())) {
                logger.warn("admin socket refused user {}", peer.user().getName());
                out.println("refused: the Jibril shell is for root only");
                out.println(STATUS_MARK + "1");
                return;
            }
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) {
                        out.println(STATUS_MARK + "0");
                        continue;
                    }
                    out.println(STATUS_MARK + (execute(session, line, out) ? "0" : "1"));
                }
            }
        } catch (IOException e) {
            logger.debug("admin session ended: {}", e.getMessage());
        }
    }

    private boolean execute(CommandSession session, String line, PrintStream out) {
        try {
            Object result = session.execute(line);
            if (result != null) {
                CharSequence text = session.format(result, Converter.INSPECT);
                out.println(text);
            }
            return true;
        } catch (Exception e) {
            out.println("Error: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
            logger.debug("command '{}' failed", line, e);
            return false;
        }
    }
}
