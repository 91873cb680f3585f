package jibril.printers.internal;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jibril.printers.internal.Chain.Head;
import jibril.printers.internal.Chain.Link;

/**
 * A JSON-lines file of chained events ({@link Chain}), mode 0600, with its {@link Seal}, rotated by size and age
 * and pruned to a number of rotated files. A rotated file is renamed {@code <stem>-<UTC time>-<first seq><ext>}
 * (for {@code jibril.log}: {@code jibril-20261125T101500.123Z-000000000042.log}) with its seal; the chain goes on in
 * the new file, whose first line links to the last line of the rotated one. On open it resumes the chain where the
 * file (or its seal, if the file was cut behind the daemon's back) left it, so restarts do not break it either.
 * Used by one printer thread at a time.
 */
final class ChainedLog implements AutoCloseable {

    /**
     * Where and when to rotate.
     *
     * @param file     the file written to
     * @param maxBytes rotate before a line would make the file larger than this; 0: never by size
     * @param maxAge   rotate before writing to a file started this long ago; zero: never by age
     * @param keep     rotated files kept; older ones are deleted with their seals
     */
    record Settings(Path file, long maxBytes, Duration maxAge, int keep) {
    }

    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final int TAIL_LIMIT = 64 << 20;

    private final Settings settings;
    private final Chain chain;
    private final Clock clock;
    private final Consumer<String> warn;
    private final String stem;
    private final String ext;
    private final Pattern rotatedName;

    private Head head = Head.START;
    private Link first;
    private long opened;
    private long size;
    private long rotations;
    private boolean unsealed;
    private OutputStream out;
    private FileChannel channel;

    ChainedLog(Settings settings, Chain chain, Clock clock, Consumer<String> warn) throws IOException {
        this.settings = settings;
        this.chain = chain;
        this.clock = clock;
        this.warn = warn;
        String name = settings.file().getFileName().toString();
        int dot = name.lastIndexOf('.');
        stem = dot > 0 ? name.substring(0, dot) : name;
        ext = dot > 0 ? name.substring(dot) : "";
        rotatedName = Pattern.compile(Pattern.quote(stem) + "-\\d{8}T\\d{6}\\.\\d{3}Z-\\d{12,}" + Pattern.quote(ext));
        open();
    }

    /** Appends one event (its JSON object) as the next link of the chain, rotating first if it is time. */
    void append(String eventJson) throws IOException {
        long seq = head.seq() + 1;
        String prev = head.mac();
        String mac = chain.mac(seq, prev, eventJson);
        byte[] line = (Chain.line(eventJson, seq, prev, mac) + "\n").getBytes(StandardCharsets.UTF_8);
        if (size > 0 && due(line.length)) {
            rotate();
        }
        out.write(line);
        size += line.length;
        if (first == null) {
            first = new Link(seq, prev, mac);
        }
        head = new Head(seq, mac);
        unsealed = true;
    }

    /**
     * Writes what is buffered to the file and makes it durable, then the seal that vouches for it: a seal never
     * reaches the disk before the lines it names (after a power loss the file would look cut).
     */
    void flush() throws IOException {
        out.flush();
        if (unsealed) {
            channel.force(false);
            seal();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }

    Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", settings.file().toString());
        m.put("seq", head.seq());
        m.put("bytes", size);
        m.put("rotations", rotations);
        return m;
    }

    Head head() {
        return head;
    }

    /** The rotated files of this log, oldest first. */
    List<Path> rotated() throws IOException {
        Path dir = settings.file().toAbsolutePath().getParent();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> rotatedName.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    private boolean due(int next) {
        if (settings.maxBytes() > 0 && size + next > settings.maxBytes()) {
            return true;
        }
        return !settings.maxAge().isZero() && clock.millis() - opened >= settings.maxAge().toMillis();
    }

    private void rotate() throws IOException {
        close();
        Path file = settings.file();
        long firstSeq = first == null ? 0 : first.seq();
        long at = clock.millis();
        Path target;
        do {
            target = file.resolveSibling(stem + "-" + STAMP.format(java.time.Instant.ofEpochMilli(at++)) + "-"
                    + String.format("%012d", firstSeq) + ext);
        } while (Files.exists(target));
        Path seal = Seal.of(file);
        Files.move(file, target);
        if (Files.exists(seal)) {
            Files.move(seal, Seal.of(target));
        }
        rotations++;
        prune();
        first = null;
        openStream(clock.millis());
    }

    private void prune() throws IOException {
        List<Path> old = new ArrayList<>(rotated());
        while (old.size() > settings.keep()) {
            Path gone = old.remove(0);
            Files.deleteIfExists(gone);
            Files.deleteIfExists(Seal.of(gone));
        }
    }

    private void seal() throws IOException {
        if (first == null) {
            return;
        }
        Seal.make(chain, first.seq(), first.prev(), head.seq(), head.mac(), opened).write(settings.file());
        unsealed = false;
    }

    /** Finds where the chain stands (this file, else the newest rotated one; a seal that says more wins). */
    private void open() throws IOException {
        Path file = settings.file();
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
        }
        boolean exists = Files.exists(file) && Files.size(file) > 0;
        Link last = exists ? Chain.parse(lastLine(file)) : null;
        if (last != null) {
            head = last.head();
            first = Chain.parse(firstLine(file));
        } else {
            if (exists && !lastLine(file).isEmpty()) {
                warn.accept(file + " holds lines without a chain (not written by a Jibril file printer?); the chain "
                        + "goes on after them, and bin/jibril verify will report them");
            }
            List<Path> rotated = rotated();
            if (!rotated.isEmpty()) {
                Path newest = rotated.get(rotated.size() - 1);
                Link l = Chain.parse(lastLine(newest));
                Seal s = readSeal(newest);
                head = l != null ? l.head() : head;
                if (s != null && s.valid(chain) && s.last() > head.seq()) {
                    head = new Head(s.last(), s.lastMac());
                }
            }
        }
        long openedAt = exists ? Files.getLastModifiedTime(file).toMillis() : clock.millis();
        Seal seal = readSeal(file);
        if (seal != null && exists) {
            if (!seal.valid(chain)) {
                warn.accept(Seal.of(file) + " does not match its mac (altered, or made with another key); "
                        + "bin/jibril verify " + file + " tells more");
            } else {
                openedAt = seal.opened() > 0 ? seal.opened() : openedAt;
                if (seal.last() > head.seq()) {
                    warn.accept(file + " ends at seq " + head.seq() + " but its seal says seq " + seal.last()
                            + " was written: lines were removed from its end; the chain goes on from seq "
                            + (seal.last() + 1) + " so that the gap stays visible");
                    head = new Head(seal.last(), seal.lastMac());
                }
                if (first == null || seal.first() < first.seq()) {
                    first = new Link(seal.first(), seal.firstPrev(), "");
                }
            }
        }
        boolean partial = exists && lastByte(file) != '\n';
        openStream(openedAt);
        if (partial) {
            warn.accept(file + " ends in an incomplete line (a crash while writing?); it is left as it is");
            out.write('\n');
            size++;
        }
    }

    private Seal readSeal(Path file) {
        try {
            return Seal.read(file);
        } catch (IOException e) {
            warn.accept(e.getMessage());
            return null;
        }
    }

    private void openStream(long openedAt) throws IOException {
        Path file = settings.file();
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE_MODE));
        } else if (!Files.getPosixFilePermissions(file).equals(FILE_MODE)) {
            Files.setPosixFilePermissions(file, FILE_MODE);
        }
        channel = FileChannel.open(file, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 << 10);
        size = Files.size(file);
        opened = size == 0 ? clock.millis() : openedAt;
    }

    private static int lastByte(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() == 0) {
                return -1;
            }
            f.seek(f.length() - 1);
            return f.read();
        }
    }

    private static String firstLine(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            return line == null ? "" : line;
        }
    }

    /** The last complete (newline-ended) line of a file, read from its end; "" if there is none. */
    static String lastLine(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = f.length();
            // The end of the last complete line: the last newline.
            long nl = findBack(f, end, end);
            if (nl < 0) {
                return "";
            }
            long start = findBack(f, nl, end) + 1;
            if (nl - start > TAIL_LIMIT) {
                return "";
            }
            byte[] b = new byte[(int) (nl - start)];
            f.seek(start);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** The position of the last newline before {@code before}, or -1; looks back at most {@link #TAIL_LIMIT}. */
    private static long findBack(RandomAccessFile f, long before, long end) throws IOException {
        byte[] buf = new byte[64 << 10];
        long pos = before;
        while (pos > 0 && end - pos < TAIL_LIMIT) {
            int n = (int) Math.min(buf.length, pos);
            pos -= n;
            f.seek(pos);
            f.readFully(buf, 0, n);
            for (int i = n - 1; i >= 0; i--) {
                if (buf[i] == '\n') {
                    return pos + i;
                }
            }
        }
        return -1;
    }
}
