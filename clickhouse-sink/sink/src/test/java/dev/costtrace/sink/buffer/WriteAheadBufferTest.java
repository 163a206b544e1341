package dev.costtrace.sink.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadBufferTest {
  @TempDir Path dir;

  private static byte[] record(int i) {
    return ("record-" + i + "-" + "x".repeat(200)).getBytes(StandardCharsets.UTF_8);
  }

  /** Regression: committing a caught-up active segment past half its size restarts it. */
  @Test
  void readingContinuesAfterTheActiveSegmentIsRestartedOnCommit() throws Exception {
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 64 * 1024, 4 * 1024, WriteAheadBuffer.Sync.OS)) {
      for (int i = 0; i < 12; i++) { // ~2.5 KB: more than half a segment
        assertThat(buffer.append(record(i))).isTrue();
      }
      List<WriteAheadBuffer.Record> first = buffer.read(buffer.committed(), 1 << 20);
      assertThat(first).hasSize(12);
      buffer.commit(first.get(first.size() - 1).end());
      assertThat(buffer.hasPending()).isFalse();
      assertThat(buffer.append(record(12))).isTrue();
      assertThat(buffer.hasPending()).isTrue();
      List<WriteAheadBuffer.Record> next = buffer.read(buffer.committed(), 1 << 20);
      assertThat(next)
          .extracting(r -> new String(r.payload(), StandardCharsets.UTF_8))
          .containsExactly(new String(record(12), StandardCharsets.UTF_8));
      buffer.commit(next.get(0).end());
      assertThat(buffer.hasPending()).isFalse();
      assertThat(buffer.sizeBytes()).isLessThan(4 * 1024);
    }
  }

  /**
   * Pending bytes are the records not yet committed, across segments and a reopen; they fall to 0
   * when the consumer catches up while the segments' bytes on disk stay until deleted.
   */
  @Test
  void pendingBytesAreWhatIsNotYetCommittedAcrossSegmentsAndAReopen() throws Exception {
    long each = 8 + record(0).length;
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 64 * 1024, 1024, WriteAheadBuffer.Sync.ALWAYS)) {
      assertThat(buffer.pendingBytes()).isZero();
      for (int i = 0; i < 10; i++) { // four records a segment: three segments
        assertThat(buffer.append(record(i))).isTrue();
      }
      assertThat(buffer.pendingBytes()).isEqualTo(10 * each);
      List<WriteAheadBuffer.Record> read = buffer.read(buffer.committed(), 1 << 20);
      assertThat(read).hasSize(10);
      buffer.commit(read.get(5).end()); // inside the second segment
      assertThat(buffer.pendingBytes()).isEqualTo(4 * each);
    }
    try (WriteAheadBuffer reopened =
        new WriteAheadBuffer(dir, 64 * 1024, 1024, WriteAheadBuffer.Sync.ALWAYS)) {
      assertThat(reopened.pendingBytes()).isEqualTo(4 * each);
      List<WriteAheadBuffer.Record> rest = reopened.read(reopened.committed(), 1 << 20);
      assertThat(rest).hasSize(4);
      reopened.commit(rest.get(3).end());
      assertThat(reopened.pendingBytes()).isZero();
      assertThat(reopened.sizeBytes()).isPositive();
    }
  }

  /**
   * Group commit: appends from many threads at once, with fsync on and segments rolling under them,
   * each return only after their record is written; after a reopen every acknowledged record is
   * there, whole, each once.
   */
  @Test
  void concurrentSyncedAppendsAreAllThereAfterReopening() throws Exception {
    int threads = 6;
    int perThread = 60;
    java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 16 << 20, 8 * 1024, WriteAheadBuffer.Sync.ALWAYS)) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    byte[] r = record(thread * 1000 + i);
                    if (buffer.append(r)) {
                      acknowledged.add(new String(r, StandardCharsets.UTF_8));
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
    }
    assertThat(acknowledged).hasSize(threads * perThread);
    try (WriteAheadBuffer reopened =
        new WriteAheadBuffer(dir, 16 << 20, 8 * 1024, WriteAheadBuffer.Sync.ALWAYS)) {
      List<String> read =
          reopened.read(reopened.committed(), 1 << 30).stream()
              .map(r -> new String(r.payload(), StandardCharsets.UTF_8))
              .toList();
      assertThat(read)
          .hasSize(threads * perThread)
          .containsExactlyInAnyOrderElementsOf(acknowledged);
    }
  }

  private static List<String> readAll(WriteAheadBuffer buffer) throws IOException {
    return buffer.read(buffer.committed(), 1L << 30).stream()
        .map(r -> new String(r.payload(), StandardCharsets.UTF_8))
        .toList();
  }

  private static String text(int i) {
    return new String(record(i), StandardCharsets.UTF_8);
  }

  /**
   * The disk fills up in the middle of a record: the append fails and leaves nothing of it; the
   * records appended once there is room again are read at the right offsets, and a restart keeps
   * every acknowledged record (before, the torn bytes shifted every later record and the reopen cut
   * them all off at the torn one).
   */
  @Test
  void aWriteThatFailsPartWayLeavesNoTraceAndLosesNothingAcknowledged() throws Exception {
    FullDisk disk = new FullDisk(3 * (8 + record(0).length) + 100); // room for 3 records and a bit
    List<String> acknowledged = new ArrayList<>();
    IOException full = null;
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.ALWAYS, disk)) {
      for (int i = 0; i < 10 && full == null; i++) {
        try {
          assertThat(buffer.append(record(i))).isTrue();
          acknowledged.add(text(i));
        } catch (IOException e) {
          full = e;
        }
      }
      assertThat(full).hasMessage("No space left on device");
      assertThat(acknowledged).hasSize(3);
      // Still full: refused again, nothing written.
      assertThatThrownBy(() -> buffer.append(record(50))).hasMessage("No space left on device");
      disk.free(1 << 20);
      for (int i = 100; i < 105; i++) {
        assertThat(buffer.append(record(i))).isTrue();
        acknowledged.add(text(i));
      }
      assertThat(readAll(buffer)).containsExactlyElementsOf(acknowledged);
    }
    try (WriteAheadBuffer reopened =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.ALWAYS)) {
      assertThat(readAll(reopened)).containsExactlyElementsOf(acknowledged);
      assertThat(reopened.quarantinedRecords()).isZero();
    }
  }

  /**
   * A maximum size at or below the segment size (32 MiB against the 64 MiB default): committing
   * everything must make room again. Before, the only segment was never deleted (only whole
   * segments before the checkpoint are) and the buffer stayed full for ever.
   */
  @Test
  void aSmallMaximumSizeEmptiesOnCommitInsteadOfStayingFull() throws Exception {
    long max = 256 * 1024;
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, max, 64L << 20, WriteAheadBuffer.Sync.OS)) {
      for (int round = 0; round < 5; round++) {
        int appended = 0;
        while (buffer.append(record(appended))) {
          appended++;
        }
        assertThat(appended)
            .as("round %d", round)
            .isGreaterThan((int) (max / 2 / (8 + record(0).length)));
        List<WriteAheadBuffer.Record> all = buffer.read(buffer.committed(), 1L << 30);
        assertThat(all).hasSize(appended);
        buffer.commit(all.get(all.size() - 1).end()); // ClickHouse took everything
        assertThat(buffer.hasPending()).isFalse();
        assertThat(buffer.sizeBytes()).isLessThanOrEqualTo(max / WriteAheadBuffer.MIN_SEGMENTS);
      }
    }
  }

  @Test
  void aSecondSinkInThisProcessIsRefusedNamingTheDirectory() throws Exception {
    try (WriteAheadBuffer first =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS)) {
      assertThatThrownBy(
              () -> new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS))
          .isInstanceOf(BufferInUseException.class)
          .hasMessageContaining(dir.toString())
          .hasMessageContaining("pid " + ProcessHandle.current().pid());
      assertThat(first.append(record(1))).isTrue(); // the first one keeps working
    }
    try (WriteAheadBuffer again =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS)) {
      assertThat(readAll(again)).containsExactly(text(1));
    }
  }

  /** Two receivers on one directory would delete each other's segments: the second is refused. */
  @Test
  void aSecondProcessOnTheSameDirectoryIsRefusedNamingTheDirectory() throws Exception {
    Process holder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                BufferHolder.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).isEqualTo("OPENED");
      assertThatThrownBy(
              () -> new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS))
          .isInstanceOf(BufferInUseException.class)
          .hasMessage(
              "the sink buffer directory "
                  + dir
                  + " is in use by another process (pid "
                  + holder.pid()
                  + "): give each receiver its own costtrace.sink.buffer.dir"
                  + " (COSTTRACE_SINK_BUFFER_DIR)");
      holder.getOutputStream().close(); // the other process stops
      assertThat(holder.waitFor()).isZero();
    }
    try (WriteAheadBuffer mine =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS)) {
      Process second =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  BufferHolder.class.getName(),
                  dir.toString())
              .redirectErrorStream(true)
              .start();
      String line =
          new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertThat(second.waitFor()).isZero();
      assertThat(line)
          .startsWith("REFUSED the sink buffer directory " + dir)
          .contains("pid " + ProcessHandle.current().pid());
      assertThat(mine.append(record(7))).isTrue();
    }
  }

  /** The buffer holds tenant, user and conversation IDs: nobody but its owner may read it. */
  @Test
  void directoryAndFilesAreOwnerOnly() throws Exception {
    Path buffers = dir.resolve("new").resolve("buffer");
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(buffers, 1 << 20, 4 << 10, WriteAheadBuffer.Sync.ALWAYS)) {
      for (int i = 0; i < 40; i++) { // several segments
        buffer.append(record(i));
      }
      List<WriteAheadBuffer.Record> all = buffer.read(buffer.committed(), 1 << 20);
      buffer.commit(all.get(3).end());
      Files.write(
          buffers.resolve("seg-99999999999999999999.bad"), new byte[0]); // not ours: ignored
    }
    assertThat(permissions(buffers)).isEqualTo("rwx------");
    assertThat(permissions(buffers.getParent())).isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(buffers)) {
      List<Path> ours = files.filter(f -> !f.getFileName().toString().endsWith(".bad")).toList();
      assertThat(ours)
          .extracting(f -> f.getFileName().toString())
          .contains("checkpoint", WriteAheadBuffer.LOCK, "seg-00000000000000000001.wal");
      assertThat(ours)
          .allSatisfy(f -> assertThat(permissions(f)).as(f.toString()).isEqualTo("rw-------"));
    }
  }

  /** Segments an earlier version created world-readable are made owner-only when opened. */
  @Test
  void worldReadableSegmentsFromBeforeAreMadeOwnerOnly() throws Exception {
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS)) {
      buffer.append(record(1));
    }
    Path segment = dir.resolve("seg-00000000000000000001.wal");
    Files.setPosixFilePermissions(segment, PosixFilePermissions.fromString("rw-r--r--"));
    try (WriteAheadBuffer reopened =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS)) {
      assertThat(permissions(segment)).isEqualTo("rw-------");
      assertThat(readAll(reopened)).containsExactly(text(1));
    }
  }

  private static String permissions(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /**
   * A record its consumer cannot decode is set aside once (file, log, counter) and the consumer
   * moves past it, even when it is the last one; before, it was retried for ever.
   */
  @Test
  void anUndecodableRecordIsQuarantinedOnceAndSkipped() throws Exception {
    WriteAheadBuffer.Decoder<String> decoder =
        payload -> {
          String s = new String(payload, StandardCharsets.UTF_8);
          if (s.startsWith("poison")) {
            throw new IOException("unknown buffer record version 9");
          }
          return s;
        };
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS)) {
      buffer.append(record(1));
      buffer.append("poison-a".getBytes(StandardCharsets.UTF_8));
      buffer.append(record(2));
      buffer.append("poison-b".getBytes(StandardCharsets.UTF_8));
      for (int attempt = 0; attempt < 3; attempt++) { // a consumer that fails and reads again
        List<WriteAheadBuffer.Decoded<String>> read =
            buffer.read(buffer.committed(), 1 << 20, decoder);
        assertThat(read)
            .extracting(WriteAheadBuffer.Decoded::value)
            .containsExactly(text(1), text(2));
      }
      assertThat(buffer.quarantinedRecords()).isEqualTo(2);
      List<WriteAheadBuffer.Decoded<String>> read =
          buffer.read(buffer.committed(), 1 << 20, decoder);
      buffer.commit(read.get(1).end()); // ClickHouse took records 1 and 2; poison-b is last
      assertThat(buffer.hasPending()).isTrue();
      assertThat(buffer.read(buffer.committed(), 1 << 20, decoder)).isEmpty();
      assertThat(buffer.hasPending())
          .as("the checkpoint moved past the last, undecodable record")
          .isFalse();
      assertThat(buffer.quarantinedRecords()).isEqualTo(2);
    }
    byte[] quarantine = Files.readAllBytes(dir.resolve(WriteAheadBuffer.QUARANTINE));
    String q = new String(quarantine, StandardCharsets.ISO_8859_1);
    assertThat(q)
        .contains(
            "poison-a",
            "poison-b",
            "cannot decode: java.io.IOException: unknown buffer record version 9");
    assertThat(permissions(dir.resolve(WriteAheadBuffer.QUARANTINE))).isEqualTo("rw-------");
  }

  /**
   * A record whose bytes changed on disk (checksum) is set aside and the records behind it are
   * read, whether the damage is in an older segment or in the last one (where opening used to cut
   * off everything from the damaged record on).
   */
  @Test
  void aCorruptRecordIsQuarantinedAndTheRecordsBehindItAreKept() throws Exception {
    List<WriteAheadBuffer.Record> all;
    try (WriteAheadBuffer buffer =
        new WriteAheadBuffer(dir, 1 << 20, 2 << 10, WriteAheadBuffer.Sync.OS)) {
      for (int i = 0; i < 20; i++) {
        buffer.append(record(i));
      }
      all = buffer.read(buffer.committed(), 1 << 20);
    }
    // Flip a payload byte of record 1 (first segment) and of the last segment's first record.
    int r = 8 + record(0).length;
    flip(dir.resolve("seg-00000000000000000001.wal"), r + 8 + 3);
    WriteAheadBuffer.Position lastSegmentStart = all.get(all.size() - 1).end();
    lastSegmentStart = new WriteAheadBuffer.Position(lastSegmentStart.segment(), 0);
    Path last = dir.resolve(String.format("seg-%020d.wal", lastSegmentStart.segment()));
    flip(last, 8 + 3);
    int firstOfLast =
        (int)
            all.stream()
                .filter(x -> x.end().segment() < all.get(all.size() - 1).end().segment())
                .count();
    try (WriteAheadBuffer reopened =
        new WriteAheadBuffer(dir, 1 << 20, 2 << 10, WriteAheadBuffer.Sync.OS)) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        if (i != 1 && i != firstOfLast) {
          expected.add(text(i));
        }
      }
      assertThat(readAll(reopened)).containsExactlyElementsOf(expected);
      assertThat(reopened.quarantinedRecords()).isEqualTo(2);
    }
  }

  private static void flip(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0xFF);
    }
  }
}
