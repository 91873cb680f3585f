package jibril.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Client of the daemon's admin socket: {@code bin/jibril shell -c "jibril:status"} runs one Gogo command and exits
 * with its status; {@code bin/jibril shell} is an interactive session (one command a line). Talks the line
 * protocol of jibril.hold's AdminSocket: each answer ends with a line of NUL followed by 0 (ok) or 1 (failed).
 */
public final class Shell {

    static final String DEFAULT_SOCKET = "/run/jibril/jibril.sock";
    static final char STATUS_MARK = '\u0000';

    private Shell() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        String socket = System.getenv().getOrDefault("JIBRIL_SOCKET", DEFAULT_SOCKET);
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "query" -> {
                    String command = queryCommand(java.util.Arrays.copyOfRange(args, i + 1, args.length));
                    if (command == null) {
                        err.println("usage: jibril query processes [--pid N] [--exe REGEX] [--since T] [--limit N]");
                        return 2;
                    }
                    commands.add(command);
                    i = args.length;
                }
                case "--socket" -> socket = value(args, ++i, "--socket");
                case "-c" -> commands.add(value(args, ++i, "-c"));
                case "-h", "--help" -> {
                    out.println("usage: jibril shell [--socket PATH] [-c COMMAND]...");
                    return 0;
                }
                default -> {
                    err.println("jibril shell: unknown argument " + args[i] + " (try --help)");
                    return 2;
                }
            }
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(Path.of(socket)));
        } catch (IOException e) {
            err.println("jibril shell: cannot reach the daemon at " + socket + ": " + e.getMessage()
                    + " (is it running? are you root?)");
            return 3;
        }
        try (channel) {
            Writer to = Channels.newWriter(channel, StandardCharsets.UTF_8);
            BufferedReader from = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                    StandardCharsets.UTF_8));
            if (!commands.isEmpty()) {
                int status = 0;
                for (String command : commands) {
                    status = Math.max(status, exchange(command, to, from, out));
                }
                return status;
            }
            boolean tty = System.console() != null;
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int status = 0;
            while (true) {
                if (tty) {
                    out.print("jibril> ");
                    out.flush();
                }
                String line = stdin.readLine();
                if (line == null || (tty && (line.equals("exit") || line.equals("quit")))) {
                    return tty ? 0 : status;
                }
                status = Math.max(status, exchange(line, to, from, out));
            }
        }
    }

    /** Sends one command and copies its answer to out; returns 0, 1 (command failed) or 4 (connection lost). */
    private static int exchange(String command, Writer to, BufferedReader from, PrintStream out) throws IOException {
        to.write(command.replace('\n', ' '));
        to.write('\n');
        to.flush();
        String line;
        while ((line = from.readLine()) != null) {
            if (!line.isEmpty() && line.charAt(0) == STATUS_MARK) {
                out.flush();
                return line.substring(1).equals("0") ? 0 : 1;
            }
            out.println(line);
        }
        out.println("jibril shell: the daemon closed the connection");
        return 4;
    }

    /**
     * The Gogo command for {@code jibril query WHAT [--option value]...}: JSON lines, every value quoted so that
     * Gogo takes regular expressions literally. Null when the arguments are not of that form.
     */
    static String queryCommand(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            return null;
        }
        StringBuilder cmd = new StringBuilder("jibril:query --json");
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.equals("--json")) {
                if (a.equals("--json")) {
                    continue;
                }
                return null;
            }
            if (i + 1 >= args.length) {
                return null;
            }
            cmd.append(' ').append(a).append(' ').append(quote(args[++i]));
        }
        return cmd.append(' ').append(quote(args[0])).toString();
    }

    /** Single-quoted for Gogo: no variable, closure or pipe expansion inside. */
    static String quote(String value) {
        if (value.indexOf('\'') >= 0) {
            throw new IllegalArgumentException("values may not contain a single quote: " + value);
        }
        return "'" + value + "'";
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }
}
