package jibril.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code bin/jibril verify FILE...}: checks the tamper-evident chain that the varlog and file printers write (the
 * scheme is described in jibril.printers' {@code Chain}: every line ends with
 * {@code "chain":{"seq":N,"prev":"<mac of line N-1>","mac":"<HMAC-SHA256 over seq, prev and the event>"}}, and each
 * file has a {@code FILE.seal} saying which seqs it holds). Give it one file, or a file and its rotated siblings in
 * any order: they are put in seq order and must form one chain. Prints {@code intact: N lines, seq A..B} and exits
 * 0, or prints the first problem as {@code FILE:LINE: altered|removed|reordered|truncated: what} and exits 1; 2 when
 * it cannot check at all (no key, no file).
 */
public final class Verify {

    static final String DEFAULT_KEY = "/etc/jibril/chain.key";
    static final String GENESIS = "0".repeat(64);
    private static final Pattern TAIL = Pattern
            .compile("\"chain\":\\{\"seq\":(\\d{1,18}),\"prev\":\"([0-9a-f]{64})\",\"mac\":\"([0-9a-f]{64})\"\\}\\}");
    private static final Pattern SEAL = Pattern.compile("\\{\"first\":(\\d{1,18}),\"first_prev\":\"([0-9a-f]{64})\","
            + "\"last\":(\\d{1,18}),\"last_mac\":\"([0-9a-f]{64})\"(?:,\"opened\":\\d+)?,\"mac\":\"([0-9a-f]{64})\"\\}\\s*");

    private Verify() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command: prints the outcome on {@code out}, usage and I/O problems on {@code err}; the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String keyFile = System.getenv().getOrDefault("JIBRIL_CHAIN_KEY", DEFAULT_KEY);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--key" -> {
                    if (i + 1 >= args.length) {
                        err.println("jibril verify: --key needs a file");
                        return 2;
                    }
                    keyFile = args[++i];
                }
                case "-h", "--help" -> {
                    out.println("usage: jibril verify [--key FILE] LOG_FILE...   (default key " + DEFAULT_KEY + ")");
                    return 0;
                }
                default -> files.add(Path.of(args[i]));
            }
        }
        if (files.isEmpty()) {
            err.println("usage: jibril verify [--key FILE] LOG_FILE...");
            return 2;
        }
        byte[] key;
        try {
            key = HexFormat.of().parseHex(Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            err.println("jibril verify: cannot read the chain key " + keyFile + " (" + e.getClass().getSimpleName()
                    + "); it is root's only: run as root, or give --key FILE");
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("jibril verify: " + keyFile + " is not a chain key (expected hex digits)");
            return 2;
        }
        try {
            Report r = verify(key, files);
            out.println(r.message());
            r.notes().forEach(out::println);
            return r.intact() ? 0 : 1;
        } catch (NoSuchFileException e) {
            err.println("jibril verify: no such file: " + e.getFile());
            return 2;
        } catch (IOException e) {
            err.println("jibril verify: " + e.getMessage());
            return 2;
        }
    }

    /**
     * The outcome of a check.
     *
     * @param intact  whether the files form one unbroken, unaltered chain (as far as their seals tell)
     * @param message {@code intact: ...} or the first problem
     * @param notes   what could not be checked (a file without a seal)
     */
    public record Report(boolean intact, String message, List<String> notes) {
    }

    /** One line's chain member and whether the line matches it. */
    private record Line(int no, long seq, String prev, String mac, String problem) {
    }

    private record Seal(long first, String firstPrev, long last, String lastMac, boolean valid) {
    }

    private static final class FileData {
        final Path file;
        final List<Line> lines = new ArrayList<>();
        int partialLine;
        Seal seal;

        FileData(Path file) {
            this.file = file;
        }

        long firstSeq() {
            return lines.stream().filter(l -> l.seq() > 0).mapToLong(Line::seq).findFirst().orElse(Long.MAX_VALUE);
        }
    }

    /** Checks the files as one chain keyed with {@code key}. */
    public static Report verify(byte[] key, List<Path> paths) throws IOException {
        Mac mac = mac(key);
        List<FileData> files = new ArrayList<>();
        for (Path p : paths) {
            files.add(read(p, mac));
        }
        files.sort(Comparator.comparingLong(FileData::firstSeq));
        Map<Long, String> where = new HashMap<>();
        for (FileData f : files) {
            for (Line l : f.lines) {
                if (l.seq() > 0) {
                    where.putIfAbsent(l.seq(), f.file + ":" + l.no());
                }
            }
        }
        List<String> notes = new ArrayList<>();
        long count = 0;
        long firstSeq = -1;
        long expected = -1;
        String expectedPrev = null;
        FileData previousFile = null;
        for (FileData f : files) {
            Seal seal = f.seal;
            if (seal == null) {
                notes.add("note: " + f.file + " has no seal (" + f.file.getFileName()
                        + ".seal), so lines cut from its end would not show");
            } else if (!seal.valid()) {
                return problem(f.file, 1, "altered", "its seal " + f.file.getFileName()
                        + ".seal does not match its mac");
            } else if (!f.lines.isEmpty() && f.lines.get(0).seq() > 0 && f.lines.get(0).seq() != seal.first()) {
                long s = f.lines.get(0).seq();
                return s > seal.first()
                        ? problem(f.file, 1, "removed", range(seal.first(), s - 1)
                                + " missing at the start of the file (its seal says it starts at seq "
                                + seal.first() + ")")
                        : problem(f.file, 1, "altered", "the file starts at seq " + s + " but its seal says "
                                + seal.first());
            }
            boolean startOfFile = true;
            for (Line l : f.lines) {
                if (l.problem() != null) {
                    return problem(f.file, l.no(), "altered", l.problem());
                }
                if (expected < 0) {
                    if (l.seq() == 1 && !l.prev().equals(GENESIS)) {
                        return problem(f.file, l.no(), "altered", "seq 1 must start the chain (prev all zeros)");
                    }
                    if (seal != null && seal.valid() && startOfFile && !l.prev().equals(seal.firstPrev())) {
                        return problem(f.file, l.no(), "altered", "its prev differs from the one in the seal");
                    }
                    firstSeq = l.seq();
                } else if (l.seq() == expected) {
                    if (!l.prev().equals(expectedPrev)) {
                        return problem(f.file, l.no(), "altered", "it does not link to the line before it (its prev"
                                + " is not that line's mac: a line from elsewhere was put in its place)");
                    }
                } else if (l.seq() > expected) {
                    String at = where.get(expected);
                    String here = f.file + ":" + l.no();
                    if (at != null && isAfter(files, at, f, l)) {
                        return problem(f.file, l.no(), "reordered", "it holds seq " + l.seq() + " where seq "
                                + expected + " was expected (seq " + expected + " is at " + at + ")");
                    }
                    String range = range(expected, l.seq() - 1);
                    if (startOfFile && previousFile != null) {
                        return problem(f.file, l.no(), "removed", range + " missing between " + previousFile.file
                                + " and " + f.file + " (a rotated file, or lines of one, were deleted)");
                    }
                    return problem(f.file, l.no(), "removed", range + " missing before this line (" + here
                            + " holds seq " + l.seq() + ")");
                } else {
                    String first = where.get(l.seq());
                    return first != null && !first.equals(f.file + ":" + l.no())
                            ? problem(f.file, l.no(), "reordered", "it holds seq " + l.seq() + ", already at " + first
                                    + "; seq " + expected + " was expected")
                            : problem(f.file, l.no(), "reordered", "it holds seq " + l.seq() + " after seq "
                                    + (expected - 1));
                }
                expected = l.seq() + 1;
                expectedPrev = l.mac();
                startOfFile = false;
                count++;
            }
            if (f.partialLine > 0) {
                return problem(f.file, f.partialLine, "truncated", "the last line is incomplete (the file was cut "
                        + "in the middle of a line)");
            }
            if (seal != null && seal.valid()) {
                long last = f.lines.isEmpty() ? 0 : f.lines.get(f.lines.size() - 1).seq();
                if (last < seal.last()) {
                    return problem(f.file, f.lines.size() + 1, "truncated", "the file ends at seq " + last
                            + " but its seal says seq " + seal.last() + " was written: lines were cut from its end");
                }
                for (Line l : f.lines) {
                    if (l.seq() == seal.last() && !l.mac().equals(seal.lastMac())) {
                        return problem(f.file, l.no(), "altered", "seq " + l.seq() + " is not the line the seal "
                                + "vouches for");
                    }
                }
            }
            previousFile = f;
        }
        String message = count == 0 ? "intact: 0 lines" : "intact: " + count + " lines, seq " + firstSeq + ".."
                + (expected - 1);
        return new Report(true, message, notes);
    }

    private static boolean isAfter(List<FileData> files, String at, FileData f, Line l) {
        int fi = files.indexOf(f);
        for (int i = fi; i < files.size(); i++) {
            for (Line other : files.get(i).lines) {
                if ((i > fi || other.no() > l.no()) && at.equals(files.get(i).file + ":" + other.no())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** "seq 5 is" or "seq 5..7 are". */
    private static String range(long from, long to) {
        return from == to ? "seq " + from + " is" : "seq " + from + ".." + to + " are";
    }

    private static Report problem(Path file, int line, String kind, String what) {
        return new Report(false, file + ":" + line + ": " + kind + ": " + what, List.of());
    }

    private static FileData read(Path file, Mac mac) throws IOException {
        FileData f = new FileData(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 << 10)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
            int no = 0;
            int b;
            while (true) {
                b = in.read();
                if (b < 0) {
                    if (buf.size() > 0) {
                        f.partialLine = no + 1;
                    }
                    break;
                }
                if (b != '\n') {
                    buf.write(b);
                    continue;
                }
                no++;
                f.lines.add(line(no, buf.toString(StandardCharsets.UTF_8), mac));
                buf.reset();
            }
        }
        Path sealFile = file.resolveSibling(file.getFileName() + ".seal");
        if (Files.exists(sealFile)) {
            Matcher m = SEAL.matcher(Files.readString(sealFile, StandardCharsets.UTF_8));
            if (!m.matches()) {
                f.seal = new Seal(0, GENESIS, 0, GENESIS, false);
            } else {
                long first = Long.parseLong(m.group(1));
                long last = Long.parseLong(m.group(3));
                String expect = hmac(mac, "jibril-seal-1\n" + first + "\n" + m.group(2) + "\n" + last + "\n"
                        + m.group(4));
                f.seal = new Seal(first, m.group(2), last, m.group(4), expect.equals(m.group(5)));
            }
        }
        return f;
    }

    private static Line line(int no, String text, Mac mac) {
        int at = text.lastIndexOf("\"chain\":{\"seq\":");
        Matcher m = at < 1 ? null : TAIL.matcher(text.substring(at));
        if (m == null || !m.matches() || (text.charAt(at - 1) != ',' && text.charAt(at - 1) != '{')) {
            return new Line(no, 0, GENESIS, GENESIS, "it carries no chain (not written by a Jibril file printer, or "
                    + "its chain was edited)");
        }
        long seq = Long.parseLong(m.group(1));
        String prev = m.group(2);
        String lineMac = m.group(3);
        String event = text.charAt(at - 1) == '{' ? "{}" : text.substring(0, at - 1) + "}";
        String expect = hmac(mac, "jibril-chain-1\n" + seq + "\n" + prev + "\n" + event);
        return new Line(no, seq, prev, lineMac, expect.equals(lineMac) ? null
                : "its content does not match its mac (seq " + seq + " was changed after it was written)");
    }

    private static Mac mac(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    private static String hmac(Mac mac, String text) {
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
}
