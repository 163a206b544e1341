package dev.costtrace.sink.buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * An append-only log of records in segment files ({@code seg-<n>.wal}): {@code [length][crc32]
 * [payload]}. {@link #append} returns once the record is on disk (per the sync policy), so an
 * acknowledged row survives a crash; concurrent appends share an fsync (group commit). The consumer reads from its checkpoint and {@link #commit}s
 * what ClickHouse has taken; whole segments before the checkpoint are deleted. A torn record at the
 * end of the last segment (a crash mid-append, never acknowledged) is cut off on open.
 */
public final class WriteAheadBuffer implements AutoCloseable {
  private static final int HEADER = 8;
  private static final String CHECKPOINT = "checkpoint";

  /** When appended records are forced to disk. */
  public enum Sync {
    /** Before every append returns: no acknowledged row is lost even if the machine dies. */
    ALWAYS,
    /** Left to the OS: survives a process crash, not a power loss. */
    OS
  }

  /** A place in the log: segment number and byte offset. */
  public record Position(long segment, long offset) implements Comparable<Position> {
    @Override
    public int compareTo(Position o) {
      int c = Long.compare(segment, o.segment);
      return c != 0 ? c : Long.compare(offset, o.offset);
    }
  }

  /** A record read back, with the position just after it. */
  public record Record(byte[] payload, Position end) {}

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final Sync sync;
  private final TreeMap<Long, Long> segmentSizes = new TreeMap<>();
  private FileChannel writer;
  private long writeSegment;
  /** Where the next record goes (guarded by this); records before it may still await their fsync. */
  private Position appendPosition;
  /**
   * The end of the records readers may see: durable ones only (synced with {@link Sync#ALWAYS}), so
   * that nothing reaches ClickHouse that a crash could still take from the buffer.
   */
  private volatile Position writePosition;
  private volatile Position committed;
  private volatile long totalBytes;
  /** Records appended so far (guarded by this); a record's number is its place in append order. */
  private long appended;
  /** Records known to be on disk because a channel was forced before it was closed (guarded by this). */
  private long forcedOnClose;
  /** Serialises fsyncs; {@link #synced} (guarded by it) is how many records are known on disk. */
  private final Object syncLock = new Object();
  private long synced;

  public WriteAheadBuffer(Path dir, long maxBytes, long segmentBytes, Sync sync) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.sync = sync;
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith("seg-") && n.endsWith(".wal")) {
          segmentSizes.put(Long.parseLong(n.substring(4, n.length() - 4)), Files.size(p));
        }
      }
    }
    committed = readCheckpoint();
    if (segmentSizes.isEmpty()) {
      writeSegment = Math.max(1, committed.segment());
      segmentSizes.put(writeSegment, 0L);
    } else {
      writeSegment = segmentSizes.lastKey();
      segmentSizes.put(writeSegment, validLength(writeSegment));
    }
    writer = FileChannel.open(segment(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    writer.truncate(segmentSizes.get(writeSegment));
    writer.position(segmentSizes.get(writeSegment));
    if (segmentSizes.firstKey() > committed.segment()) {
      committed = new Position(segmentSizes.firstKey(), 0);
    }
    appendPosition = new Position(writeSegment, segmentSizes.get(writeSegment));
    writePosition = appendPosition;
    totalBytes = segmentSizes.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Bytes on disk, committed or not. */
  public long sizeBytes() {
    return totalBytes;
  }

  /** Whether anything appended is not yet committed. */
  public boolean hasPending() {
    return committed.compareTo(writePosition) < 0;
  }

  /** The end of what is durable and readable; every record whose append returned is before it. */
  public Position writePosition() {
    return writePosition;
  }

  public Position committed() {
    return committed;
  }

  /**
   * Appends a record and makes it durable: returns only once an fsync that began after the record
   * was written has completed (with {@link Sync#ALWAYS}). Concurrent appends share fsyncs (group
   * commit): whoever syncs next covers every record written before it started, so under load one
   * fsync acknowledges several records, and none is acknowledged before it is on disk.
   *
   * @return false when the buffer is full (nothing was written)
   */
  public boolean append(byte[] payload) throws IOException {
    return append(payload, null);
  }

  /** Told, in append order, where each record went; see {@link #append(byte[], Placement)}. */
  public interface Placement {
    /** Called with this buffer's lock held: keep it short, and do not call back into the buffer. */
    void placed(Position start, Position end);
  }

  /**
   * As {@link #append(byte[])}, telling {@code placement} (when not null) where the record went,
   * in the order records are in the log, before the record is durable.
   */
  public boolean append(byte[] payload, Placement placement) throws IOException {
    long sequence;
    synchronized (this) {
      long size = HEADER + payload.length;
      if (totalBytes + size > maxBytes) {
        return false;
      }
      if (appendPosition.offset() > 0 && appendPosition.offset() + size > segmentBytes) {
        roll();
      }
      CRC32 crc = new CRC32();
      crc.update(payload);
      ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(payload.length).putInt((int) crc.getValue());
      header.flip();
      ByteBuffer body = ByteBuffer.wrap(payload);
      while (header.hasRemaining() || body.hasRemaining()) {
        writer.write(new ByteBuffer[] {header, body});
      }
      Position start = appendPosition;
      long end = appendPosition.offset() + size;
      segmentSizes.put(writeSegment, end);
      totalBytes += size;
      appendPosition = new Position(writeSegment, end);
      if (placement != null) {
        placement.placed(start, appendPosition);
      }
      sequence = ++appended;
      if (sync == Sync.OS) {
        writePosition = appendPosition;
      }
    }
    if (sync == Sync.ALWAYS) {
      syncThrough(sequence);
    }
    return true;
  }

  /** Returns once every record up to {@code sequence} (in append order) is on disk. */
  private void syncThrough(long sequence) throws IOException {
    synchronized (syncLock) {
      if (synced >= sequence) {
        return; // an fsync that started after this record was written has finished
      }
      FileChannel channel;
      long through;
      Position throughPosition;
      synchronized (this) {
        channel = writer;
        through = appended;
        throughPosition = appendPosition;
      }
      try {
        channel.force(false);
      } catch (ClosedChannelException e) {
        // The segment was rolled or the buffer closed meanwhile: both force the channel before
        // closing it, and record how far that covered.
        synchronized (this) {
          if (forcedOnClose < through) {
            throw new IOException("the sink buffer segment was closed before it was synced", e);
          }
        }
      }
      synced = through;
      synchronized (this) {
        if (throughPosition.compareTo(writePosition) > 0) {
          writePosition = throughPosition; // now durable: readable
        }
      }
    }
  }

  private void roll() throws IOException {
    writer.force(false);
    forcedOnClose = appended;
    if (appendPosition.compareTo(writePosition) > 0) {
      writePosition = appendPosition; // forced just now: durable
    }
    writer.close();
    writeSegment++;
    segmentSizes.put(writeSegment, 0L);
    writer = FileChannel.open(segment(writeSegment), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    appendPosition = new Position(writeSegment, 0);
  }

  /** Reads records from {@code from} up to the durable {@link #writePosition}, at most {@code maxReadBytes}. */
  public List<Record> read(Position from, long maxReadBytes) throws IOException {
    List<Record> out = new ArrayList<>();
    Position limit = writePosition;
    long segment = from.segment();
    long offset = from.offset();
    long read = 0;
    while (read < maxReadBytes) {
      Long size;
      synchronized (this) {
        size = segmentSizes.get(segment);
      }
      // Nothing past the durable end: a later segment may hold records still awaiting their fsync.
      if (size == null || segment > limit.segment()
          || (segment == limit.segment() && offset >= limit.offset())) {
        break;
      }
      long end = segment == limit.segment() ? limit.offset() : size;
      if (offset >= end) {
        Long next;
        synchronized (this) {
          next = segmentSizes.higherKey(segment);
        }
        if (next == null) {
          break;
        }
        segment = next;
        offset = 0;
        continue;
      }
      try (FileChannel ch = FileChannel.open(segment(segment), StandardOpenOption.READ)) {
        while (offset < end && read < maxReadBytes) {
          ByteBuffer header = ByteBuffer.allocate(HEADER);
          readFully(ch, header, offset);
          header.flip();
          int length = header.getInt();
          int crc = header.getInt();
          byte[] payload = new byte[length];
          readFully(ch, ByteBuffer.wrap(payload), offset + HEADER);
          CRC32 check = new CRC32();
          check.update(payload);
          if ((int) check.getValue() != crc) {
            throw new IOException("buffer record at " + segment(segment) + ":" + offset + " is corrupt");
          }
          offset += HEADER + length;
          read += HEADER + length;
          out.add(new Record(payload, new Position(segment, offset)));
        }
      }
    }
    return out;
  }

  /** Everything before {@code upTo} is in ClickHouse: checkpoint it and delete spent segments. */
  public void commit(Position upTo) throws IOException {
    Path tmp = dir.resolve(CHECKPOINT + ".tmp");
    Files.writeString(tmp, upTo.segment() + " " + upTo.offset(), StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(CHECKPOINT), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    committed = upTo;
    synchronized (this) {
      while (!segmentSizes.isEmpty() && segmentSizes.firstKey() < upTo.segment()) {
        long s = segmentSizes.firstKey();
        totalBytes -= segmentSizes.remove(s);
        Files.deleteIfExists(segment(s));
      }
      // The active segment, once fully committed, can be restarted to keep the disk small.
      // Only when nothing follows upTo, not even a record still awaiting its fsync.
      if (upTo.equals(appendPosition) && upTo.offset() > segmentBytes / 2) {
        roll();
        totalBytes -= segmentSizes.remove(upTo.segment());
        Files.deleteIfExists(segment(upTo.segment()));
        // The checkpoint's segment is gone: reading resumes at the start of the new one (else the
        // reader finds nothing to read while hasPending() stays true, forever).
        writePosition = appendPosition;
        committed = writePosition;
      }
    }
  }

  private Position readCheckpoint() throws IOException {
    Path p = dir.resolve(CHECKPOINT);
    if (!Files.exists(p)) {
      return new Position(segmentSizes.isEmpty() ? 1 : segmentSizes.firstKey(), 0);
    }
    String[] parts = Files.readString(p).trim().split(" ");
    return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
  }

  /** The length of the valid prefix of a segment: a torn last record is dropped. */
  private long validLength(long s) throws IOException {
    try (FileChannel ch = FileChannel.open(segment(s), StandardOpenOption.READ)) {
      long size = ch.size();
      long offset = 0;
      while (offset + HEADER <= size) {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        readFully(ch, header, offset);
        header.flip();
        int length = header.getInt();
        int crc = header.getInt();
        if (length < 0 || offset + HEADER + length > size) {
          break;
        }
        byte[] payload = new byte[length];
        readFully(ch, ByteBuffer.wrap(payload), offset + HEADER);
        CRC32 check = new CRC32();
        check.update(payload);
        if ((int) check.getValue() != crc) {
          break;
        }
        offset += HEADER + length;
      }
      return offset;
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long p = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, p);
      if (n < 0) {
        throw new IOException("unexpected end of buffer segment");
      }
      p += n;
    }
  }

  private Path segment(long n) {
    return dir.resolve(String.format("seg-%020d.wal", n));
  }

  @Override
  public synchronized void close() {
    try {
      writer.force(false);
      forcedOnClose = appended;
      writePosition = appendPosition;
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
