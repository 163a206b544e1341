package dev.costtrace.sink.buffer;

import dev.costtrace.sink.engine.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * An append-only log of records in segment files ({@code seg-<n>.wal}): {@code [length][crc32]
 * [payload]}. {@link #append} returns once the record is on disk (per the sync policy), so an
 * acknowledged row survives a crash; concurrent appends share an fsync (group commit). The consumer
 * reads from its checkpoint and {@link #commit}s what ClickHouse has taken; whole segments before
 * the checkpoint are deleted.
 *
 * <p>What can go wrong on disk, and what the buffer does:
 *
 * <ul>
 *   <li>A write fails part-way (the disk is full): the append throws and the segment is cut back to
 *       where the record began, so the next record goes exactly where this one would have, and the
 *       log never holds a torn record in front of acknowledged ones.
 *   <li>A crash mid-append leaves a torn record at the end of the last segment (never
 *       acknowledged): it is cut off on open. Anything longer that cannot be read there (a corrupt
 *       record with more behind it) is copied to {@value #QUARANTINE} before the cut.
 *   <li>A record that cannot be read back (checksum) or decoded is copied to {@value #QUARANTINE}
 *       beside the segments, logged, counted ({@link #quarantinedRecords()}) and skipped: it is
 *       never retried for ever.
 *   <li>Two processes on one directory would destroy each other's segments: a lock file refuses the
 *       second, naming the directory.
 * </ul>
 *
 * <p>The directory is created 0700 and every file 0600: records hold tenant, user and conversation
 * IDs.
 */
public final class WriteAheadBuffer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WriteAheadBuffer.class.getName());
  private static final int HEADER = 8;
  private static final String CHECKPOINT = "checkpoint";
  static final String LOCK = "lock";

  /** Where records that cannot be read or decoded are set aside, in the buffer directory. */
  public static final String QUARANTINE = "quarantine.wal";

  /**
   * Segments are at most this fraction of the maximum size: only whole segments before the
   * checkpoint are deleted, so a segment as large as the buffer would keep it full for ever.
   */
  static final int MIN_SEGMENTS = 8;

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

  /** A record read back and decoded, with the position just after it. */
  public record Decoded<T>(T value, Position end) {}

  /** Turns a record's payload into what the consumer works with; throws when it cannot. */
  @FunctionalInterface
  public interface Decoder<T> {
    T decode(byte[] payload) throws Exception;
  }

  /** Opens segment files; tests substitute channels that fail part-way, as a full disk does. */
  @FunctionalInterface
  interface Channels {
    FileChannel open(Path file, Set<OpenOption> options) throws IOException;

    Channels OWNER_ONLY =
        (file, options) -> FileChannel.open(file, options, OwnerOnly.fileAttributes());
  }

  /**
   * Directories locked by this JVM. Checked before the lock file is even opened: closing any
   * channel to a file drops every POSIX lock this process holds on it, the other sink's included.
   */
  private static final Set<Path> LOCKED_HERE = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final Path lockKey;
  private final long maxBytes;
  private final long segmentBytes;
  private final Sync sync;
  private final Channels channels;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final TreeMap<Long, Long> segmentSizes = new TreeMap<>();
  private FileChannel writer;
  private long writeSegment;

  /**
   * Where the next record goes (guarded by this); records before it may still await their fsync.
   */
  private Position appendPosition;

  /**
   * Set when a failed write could not be cut back yet: the next append cuts first (guarded by
   * this).
   */
  private boolean damaged;

  /**
   * The end of the records readers may see: durable ones only (synced with {@link Sync#ALWAYS}), so
   * that nothing reaches ClickHouse that a crash could still take from the buffer.
   */
  private volatile Position writePosition;

  private volatile Position committed;
  private volatile long totalBytes;

  /** Records appended so far (guarded by this); a record's number is its place in append order. */
  private long appended;

  /**
   * Records known to be on disk because a channel was forced before it was closed (guarded by
   * this).
   */
  private long forcedOnClose;

  /** Serialises fsyncs; {@link #synced} (guarded by it) is how many records are known on disk. */
  private final Object syncLock = new Object();

  private long synced;
  private final Object commitLock = new Object();

  /** Where records already set aside start (guarded by itself): each is quarantined once. */
  private final Set<Position> quarantinedAt = new HashSet<>();

  private final AtomicLong quarantined = new AtomicLong();

  public WriteAheadBuffer(Path dir, long maxBytes, long segmentBytes, Sync sync)
      throws IOException {
    this(dir, maxBytes, segmentBytes, sync, Channels.OWNER_ONLY);
  }

  WriteAheadBuffer(Path dir, long maxBytes, long segmentBytes, Sync sync, Channels channels)
      throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = Math.min(segmentBytes, Math.max(HEADER + 1, maxBytes / MIN_SEGMENTS));
    this.sync = sync;
    this.channels = channels;
    OwnerOnly.createDirectories(dir);
    this.lockKey = dir.toRealPath();
    if (!LOCKED_HERE.add(lockKey)) {
      throw inUse(dir, Long.toString(ProcessHandle.current().pid()));
    }
    FileChannel channel = null;
    FileLock held = null;
    try {
      channel =
          FileChannel.open(
              dir.resolve(LOCK),
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
              OwnerOnly.fileAttributes());
      held = lock(dir, channel);
    } catch (IOException | RuntimeException e) {
      LOCKED_HERE.remove(lockKey);
      throw e;
    }
    this.lockChannel = channel;
    this.lock = held;
    try {
      open();
    } catch (IOException | RuntimeException e) {
      releaseLock();
      throw e;
    }
  }

  private static BufferInUseException inUse(Path dir, String holder) {
    return new BufferInUseException(
        "the sink buffer directory "
            + dir
            + " is in use by another"
            + (holder.isEmpty() ? " process" : " process (pid " + holder + ")")
            + ": give each receiver"
            + " its own costtrace.sink.buffer.dir (COSTTRACE_SINK_BUFFER_DIR)",
        dir);
  }

  /** Takes the directory's lock, or refuses naming the directory and the process holding it. */
  private static FileLock lock(Path dir, FileChannel channel) throws IOException {
    FileLock lock = channel.tryLock();
    if (lock == null) {
      String holder;
      try {
        ByteBuffer b = ByteBuffer.allocate(32);
        channel.read(b, 0);
        holder = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
      } catch (IOException e) {
        holder = "";
      }
      channel.close();
      throw inUse(dir, holder);
    }
    channel.truncate(0);
    channel.write(
        ByteBuffer.wrap(
            Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)),
        0);
    return lock;
  }

  private void open() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith("seg-") && n.endsWith(".wal")) {
          segmentSizes.put(Long.parseLong(n.substring(4, n.length() - 4)), Files.size(p));
          OwnerOnly.restrict(p); // an earlier version created them world-readable
        }
      }
    }
    OwnerOnly.restrict(dir.resolve(CHECKPOINT));
    committed = readCheckpoint();
    if (segmentSizes.isEmpty()) {
      writeSegment = Math.max(1, committed.segment());
      segmentSizes.put(writeSegment, 0L);
    } else {
      writeSegment = segmentSizes.lastKey();
      segmentSizes.put(writeSegment, validLength(writeSegment));
    }
    writer =
        channels.open(
            segment(writeSegment), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE));
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

  /**
   * Bytes of acknowledged records not yet committed: what ClickHouse has still to take. Zero once
   * the consumer has caught up, unlike {@link #sizeBytes}, which keeps committed records until
   * their segment is deleted.
   */
  public long pendingBytes() {
    Position from = committed;
    Position to = writePosition;
    if (from.compareTo(to) >= 0) {
      return 0;
    }
    long bytes = 0;
    synchronized (this) {
      for (var e : segmentSizes.subMap(from.segment(), true, to.segment(), true).entrySet()) {
        long start = e.getKey() == from.segment() ? from.offset() : 0;
        long end = e.getKey() == to.segment() ? to.offset() : e.getValue();
        bytes += Math.max(0, end - start);
      }
    }
    return bytes;
  }

  /** Records set aside in {@value #QUARANTINE} because they could not be read or decoded. */
  public long quarantinedRecords() {
    return quarantined.get();
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
   * @throws IOException when the record could not be written (the disk is full, ...): nothing of it
   *     stays in the log, and later appends go where it would have gone
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
   * As {@link #append(byte[])}, telling {@code placement} (when not null) where the record went, in
   * the order records are in the log, before the record is durable.
   */
  public boolean append(byte[] payload, Placement placement) throws IOException {
    long sequence;
    synchronized (this) {
      if (damaged) {
        cutBack(); // a failed write's bytes are still there: remove them first, or refuse again
      }
      long size = HEADER + payload.length;
      if (totalBytes + size > maxBytes) {
        return false;
      }
      if (appendPosition.offset() > 0 && appendPosition.offset() + size > segmentBytes) {
        roll();
      }
      CRC32 crc = new CRC32();
      crc.update(payload);
      ByteBuffer header =
          ByteBuffer.allocate(HEADER).putInt(payload.length).putInt((int) crc.getValue());
      header.flip();
      ByteBuffer body = ByteBuffer.wrap(payload);
      try {
        while (header.hasRemaining() || body.hasRemaining()) {
          writer.write(new ByteBuffer[] {header, body});
        }
      } catch (IOException e) {
        damaged = true;
        try {
          cutBack();
        } catch (IOException again) {
          e.addSuppressed(again); // cut back before the next append instead
        }
        throw e;
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

  /**
   * Cuts the active segment back to the end of its last whole record: what a failed write left
   * behind must not sit in front of the records that follow (they would be read at the wrong
   * offsets, and the torn bytes would make the next open cut them off).
   */
  private void cutBack() throws IOException {
    writer.truncate(appendPosition.offset());
    writer.position(appendPosition.offset());
    damaged = false;
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

  /** Moves appends to a new segment; the old one is forced first. Nothing changes if it fails. */
  private void roll() throws IOException {
    FileChannel next =
        channels.open(
            segment(writeSegment + 1),
            Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
    try {
      writer.force(false);
    } catch (IOException e) {
      next.close();
      Files.deleteIfExists(segment(writeSegment + 1));
      throw e;
    }
    forcedOnClose = appended;
    if (appendPosition.compareTo(writePosition) > 0) {
      writePosition = appendPosition; // forced just now: durable
    }
    writer.close();
    writer = next;
    writeSegment++;
    segmentSizes.put(writeSegment, 0L);
    appendPosition = new Position(writeSegment, 0);
  }

  /**
   * Reads records from {@code from} up to the durable {@link #writePosition}, at most {@code
   * maxReadBytes}.
   */
  public List<Record> read(Position from, long maxReadBytes) throws IOException {
    List<Record> out = new ArrayList<>();
    for (Decoded<byte[]> d : read(from, maxReadBytes, payload -> payload)) {
      out.add(new Record(d.value(), d.end()));
    }
    return out;
  }

  /**
   * Reads and decodes records from {@code from} up to the durable {@link #writePosition}, at most
   * {@code maxReadBytes}. A record that fails its checksum or that {@code decoder} refuses is set
   * aside in {@value #QUARANTINE} (logged and counted once) and left out; the consumer moves past
   * it with the records after it. When nothing but such records lies between the checkpoint and the
   * end of what was read, the checkpoint moves past them here, so the consumer is never stuck in
   * front of one.
   */
  public <T> List<Decoded<T>> read(Position from, long maxReadBytes, Decoder<T> decoder)
      throws IOException {
    List<Decoded<T>> out = new ArrayList<>();
    Position limit = writePosition;
    long segment = from.segment();
    long offset = from.offset();
    long read = 0;
    Position skippedTo = null;
    while (read < maxReadBytes) {
      Long size;
      synchronized (this) {
        size = segmentSizes.get(segment);
      }
      // Nothing past the durable end: a later segment may hold records still awaiting their fsync.
      if (size == null
          || segment > limit.segment()
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
          Position at = new Position(segment, offset);
          int length = -1;
          int crc = 0;
          if (offset + HEADER <= end) {
            ByteBuffer header = ByteBuffer.allocate(HEADER);
            readFully(ch, header, offset);
            header.flip();
            length = header.getInt();
            crc = header.getInt();
          }
          if (length < 0 || offset + HEADER + length > end) {
            // The length itself is wrong: where the next record starts is unknown, so the rest of
            // what is readable in this segment is set aside in one piece.
            byte[] rest = new byte[(int) (end - offset)];
            readFully(ch, ByteBuffer.wrap(rest), offset);
            quarantine(
                at, rest, "record length " + length + " runs past the readable end at " + end);
            read += rest.length;
            offset = end;
            skippedTo = new Position(segment, offset);
            continue;
          }
          byte[] payload = new byte[length];
          readFully(ch, ByteBuffer.wrap(payload), offset + HEADER);
          offset += HEADER + length;
          read += HEADER + length;
          Position after = new Position(segment, offset);
          CRC32 check = new CRC32();
          check.update(payload);
          if ((int) check.getValue() != crc) {
            quarantine(at, payload, "checksum mismatch");
            skippedTo = after;
            continue;
          }
          T value;
          try {
            value = decoder.decode(payload);
          } catch (Exception e) {
            quarantine(at, payload, "cannot decode: " + e);
            skippedTo = after;
            continue;
          }
          out.add(new Decoded<>(value, after));
        }
      }
    }
    if (out.isEmpty() && skippedTo != null && from.equals(committed)) {
      commit(
          skippedTo); // only set-aside records since the checkpoint: nobody else will commit them
    }
    return out;
  }

  /** Copies a record that cannot be used to the quarantine file (once), logs and counts it. */
  private void quarantine(Position at, byte[] bytes, String reason) throws IOException {
    synchronized (quarantinedAt) {
      if (!quarantinedAt.add(at)) {
        return;
      }
      Path file = dir.resolve(QUARANTINE);
      byte[] why =
          (segment(at.segment()).getFileName() + ":" + at.offset() + " " + reason)
              .getBytes(StandardCharsets.UTF_8);
      // [reason length][reason][bytes length][bytes]: enough to find and inspect it later.
      ByteBuffer entry =
          ByteBuffer.allocate(8 + why.length + bytes.length)
              .putInt(why.length)
              .put(why)
              .putInt(bytes.length)
              .put(bytes);
      entry.flip();
      try (FileChannel ch =
          FileChannel.open(
              file,
              Set.of(
                  StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
              OwnerOnly.fileAttributes())) {
        while (entry.hasRemaining()) {
          ch.write(entry);
        }
        ch.force(false);
      }
      quarantined.incrementAndGet();
      LOG.log(
          Level.SEVERE,
          "sink buffer record at "
              + segment(at.segment())
              + ":"
              + at.offset()
              + " ("
              + bytes.length
              + " bytes) cannot be used ("
              + reason
              + "); set aside in "
              + file
              + " and skipped");
    }
  }

  /**
   * Everything before {@code upTo} is in ClickHouse: checkpoint it and delete spent segments. A
   * position at or before the current checkpoint changes nothing.
   */
  public void commit(Position upTo) throws IOException {
    synchronized (commitLock) {
      if (upTo.compareTo(committed) <= 0) {
        return;
      }
      Path tmp = dir.resolve(CHECKPOINT + ".tmp");
      OwnerOnly.write(tmp, (upTo.segment() + " " + upTo.offset()).getBytes(StandardCharsets.UTF_8));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(
          tmp,
          dir.resolve(CHECKPOINT),
          StandardCopyOption.ATOMIC_MOVE,
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
          try {
            roll();
          } catch (IOException e) {
            // Only an optimisation: the commit itself is done; the next commit tries again.
            LOG.log(Level.FINE, "cannot restart the committed sink buffer segment yet", e);
            return;
          }
          totalBytes -= segmentSizes.remove(upTo.segment());
          Files.deleteIfExists(segment(upTo.segment()));
          // The checkpoint's segment is gone: reading resumes at the start of the new one (else the
          // reader finds nothing to read while hasPending() stays true, forever).
          writePosition = appendPosition;
          committed = writePosition;
        }
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

  /**
   * Where appends continue in the last segment: after its last record that reads back whole. A torn
   * last record (a crash mid-append: never acknowledged) is cut off. A damaged record with whole
   * records behind it stays (reading sets it aside); what cannot be walked past (a damaged length)
   * is set aside before the cut, so that opening never silently destroys records.
   */
  private long validLength(long s) throws IOException {
    try (FileChannel ch = FileChannel.open(segment(s), StandardOpenOption.READ)) {
      long size = ch.size();
      long offset = 0;
      long validEnd = 0;
      String problem = null;
      while (offset + HEADER <= size) {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        readFully(ch, header, offset);
        header.flip();
        int length = header.getInt();
        int crc = header.getInt();
        if (length < 0) {
          problem = "negative record length " + length;
          break;
        }
        if (offset + HEADER + length > size) {
          break; // torn: it runs past the end
        }
        byte[] payload = new byte[length];
        readFully(ch, ByteBuffer.wrap(payload), offset + HEADER);
        CRC32 check = new CRC32();
        check.update(payload);
        offset += HEADER + length;
        if ((int) check.getValue() == crc) {
          validEnd = offset;
        }
      }
      if (problem != null && validEnd < size) {
        byte[] rest = new byte[(int) (size - validEnd)];
        readFully(ch, ByteBuffer.wrap(rest), validEnd);
        quarantine(new Position(s, validEnd), rest, problem + "; cut off on open");
      } else if (validEnd < size) {
        LOG.info(
            "sink buffer: cut a torn record ("
                + (size - validEnd)
                + " bytes, never acknowledged)"
                + " off the end of "
                + segment(s));
      }
      return validEnd;
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

  private void releaseLock() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // closing the channel releases the lock in any case
    } finally {
      LOCKED_HERE.remove(lockKey);
    }
  }

  @Override
  public synchronized void close() {
    if (!lockChannel.isOpen()) {
      return; // closed already
    }
    try {
      if (damaged) {
        cutBack();
      }
      writer.force(false);
      forcedOnClose = appended;
      writePosition = appendPosition;
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      releaseLock();
    }
  }
}
