package jibril.printers.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A bounded first-in first-out queue of records on disk, for a printer whose endpoint may be slow or away: a
 * directory of segment files ({@code <seq of the first record>.seg}, one record a line) and a {@code cursor} file
 * holding the seq of the next record to deliver. Records are appended by one thread and delivered by another, in
 * order: {@link #peek} gives the oldest undelivered ones, {@link #commit} marks them delivered (and deletes
 * segments nothing needs any more). Survives restarts: a record is delivered again only if the daemon stopped
 * between the endpoint's answer and the commit. Past {@code maxBytes} on disk, {@link #append} refuses records;
 * the caller counts that loss. A lock file keeps two daemons from sharing one spool.
 */
final class Spool implements AutoCloseable {

    /**
     * Records taken from the spool by {@link #peek}, not yet delivered.
     *
     * @param firstSeq seq of the first record
     * @param records  the records, oldest first
     * @param bytes    their size including newlines
     */
    record Batch(long firstSeq, List<byte[]> records, long bytes) {
        long lastSeq() {
            return firstSeq + records.size() - 1;
        }

        boolean isEmpty() {
            return records.isEmpty();
        }
    }

    /** One segment file: its first seq, how many complete records and bytes it holds. */
    private static final class Segment {
        final long first;
        final Path path;
        long records;
        long bytes;

        Segment(long first, Path path) {
            this.first = first;
            this.path = path;
        }
    }

    private static final String SUFFIX = ".seg";

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final FileChannel lockChannel;
    private final FileLock lock;

    private long writeSeq = 1;
    private long readSeq = 1;
    /** Byte offset of {@link #readSeq} in its segment. */
    private long readOffset;
    private long bytes;
    private FileChannel tail;

    Spool(Path dir, long maxBytes, long segmentBytes) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            held = null; // this JVM holds it already
        }
        lock = held;
        if (lock == null) {
            lockChannel.close();
            throw new IOException("the spool " + dir + " is in use by another process");
        }
        try {
            recover();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Appends one record (no newline in it); false, keeping nothing, when the spool is full. */
    synchronized boolean append(byte[] record) throws IOException {
        long size = record.length + 1L;
        if (bytes + size > maxBytes) {
            return false;
        }
        Segment last = segments.isEmpty() ? null : segments.lastEntry().getValue();
        if (last == null || tail == null || last.bytes >= segmentBytes) {
            last = roll();
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size).put(record).put((byte) '\n').flip();
        while (buf.hasRemaining()) {
            tail.write(buf);
        }
        last.records++;
        last.bytes += size;
        bytes += size;
        writeSeq++;
        notifyAll();
        return true;
    }

    /** Waits until there is something to deliver or the time is up; true if there is. */
    synchronized boolean awaitRecords(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (readSeq >= writeSeq) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    /** Up to {@code maxRecords} of the oldest undelivered records (at least one if any), about {@code maxBytes}. */
    synchronized Batch peek(int maxRecords, long maxBatchBytes) throws IOException {
        List<byte[]> out = new ArrayList<>();
        long taken = 0;
        long seq = readSeq;
        long offset = readOffset;
        Map.Entry<Long, Segment> e = segments.floorEntry(seq);
        while (e != null && out.size() < maxRecords && seq < writeSeq) {
            Segment s = e.getValue();
            if (seq >= s.first + s.records) {
                e = segments.higherEntry(e.getKey());
                offset = 0;
                continue;
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(s.path), 64 << 10)) {
                in.skipNBytes(offset);
                while (seq < s.first + s.records && out.size() < maxRecords && (out.isEmpty() || taken < maxBatchBytes)) {
                    byte[] rec = readLine(in);
                    out.add(rec);
                    taken += rec.length + 1;
                    offset += rec.length + 1;
                    seq++;
                }
            }
            if (out.size() >= maxRecords || taken >= maxBatchBytes) {
                break;
            }
        }
        return new Batch(readSeq, out, taken);
    }

    /** Marks a peeked batch delivered: the cursor moves past it, segments wholly behind it are deleted. */
    synchronized void commit(Batch batch) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        if (batch.firstSeq() != readSeq) {
            throw new IllegalStateException("commit of seq " + batch.firstSeq() + " but the cursor is at " + readSeq);
        }
        long next = batch.lastSeq() + 1;
        Segment s = segments.floorEntry(readSeq).getValue();
        long offset = readOffset;
        for (byte[] r : batch.records()) {
            if (readSeq >= s.first + s.records) {
                s = segments.higherEntry(s.first).getValue();
                offset = 0;
            }
            offset += r.length + 1;
            readSeq++;
        }
        // The offset is kept relative to the segment that holds readSeq: a new one if readSeq starts it.
        readOffset = segments.floorEntry(readSeq).getValue().first == readSeq ? 0 : offset;
        if (readSeq != next) {
            throw new IllegalStateException("cursor at " + readSeq + ", expected " + next);
        }
        writeCursor();
        // Drop segments that are wholly delivered; the tail too once it is full enough, so a healthy printer does not
        // make a file per batch.
        while (!segments.isEmpty()) {
            Segment head = segments.firstEntry().getValue();
            boolean done = readSeq >= head.first + head.records;
            boolean isTail = head == segments.lastEntry().getValue();
            if (!done || (isTail && head.bytes < segmentBytes / 4)) {
                break;
            }
            if (isTail) {
                tail.close();
                tail = null;
                readOffset = 0; // the next record starts a new segment
            }
            segments.pollFirstEntry();
            bytes -= head.bytes;
            Files.deleteIfExists(head.path);
        }
    }

    /** Records not yet delivered. */
    synchronized long pending() {
        return writeSeq - readSeq;
    }

    /** Bytes on disk, delivered records not yet deleted included. */
    synchronized long bytes() {
        return bytes;
    }

    /** The seq the next appended record gets. */
    synchronized long nextSeq() {
        return writeSeq;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (tail != null) {
                tail.close();
                tail = null;
            }
        } finally {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        }
    }

    private Segment roll() throws IOException {
        if (tail != null) {
            tail.close();
        }
        Segment s = segments.get(writeSeq);
        if (s == null) {
            s = new Segment(writeSeq, dir.resolve(String.format("%020d", writeSeq) + SUFFIX));
            segments.put(writeSeq, s);
        }
        tail = FileChannel.open(s.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return s;
    }

    /** Reads the segments and the cursor back: counts complete records, cuts a torn last record, drops what was delivered. */
    private void recover() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().matches("\\d{20}\\" + SUFFIX)).sorted().toList();
        }
        long cursor = readCursor();
        for (Path p : files) {
            String name = p.getFileName().toString();
            Segment s = new Segment(Long.parseLong(name.substring(0, 20)), p);
            long complete = 0;
            long records = 0;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 64 << 10)) {
                long pos = 0;
                int b;
                while ((b = in.read()) >= 0) {
                    pos++;
                    if (b == '\n') {
                        records++;
                        complete = pos;
                    }
                }
            }
            if (complete < Files.size(p)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(complete);
                }
            }
            s.records = records;
            s.bytes = complete;
            if (records == 0 || s.first + records <= cursor) {
                Files.deleteIfExists(p);
                continue;
            }
            segments.put(s.first, s);
            bytes += s.bytes;
        }
        if (segments.isEmpty()) {
            writeSeq = Math.max(cursor, 1);
            readSeq = writeSeq;
            readOffset = 0;
            return;
        }
        Segment last = segments.lastEntry().getValue();
        writeSeq = last.first + last.records;
        Segment first = segments.firstEntry().getValue();
        readSeq = Math.max(cursor, first.first);
        Segment at = segments.floorEntry(readSeq).getValue();
        readOffset = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(at.path), 64 << 10)) {
            for (long s = at.first; s < readSeq; s++) {
                readOffset += readLine(in).length + 1;
            }
        }
    }

    private long readCursor() throws IOException {
        Path p = dir.resolve("cursor");
        if (!Files.exists(p)) {
            return 1;
        }
        try {
            return Long.parseLong(Files.readString(p, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            throw new IOException(p + ": not a spool cursor (expected a number)");
        }
    }

    private void writeCursor() throws IOException {
        Path p = dir.resolve("cursor");
        Path tmp = dir.resolve("cursor.tmp");
        Files.writeString(tmp, readSeq + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] readLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(512);
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        if (b < 0) {
            throw new IOException("a spool segment ends in the middle of a record");
        }
        return line.toByteArray();
    }
}
