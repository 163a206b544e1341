package dev.costtrace.sink.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
    try (WriteAheadBuffer buffer = new WriteAheadBuffer(dir, 64 * 1024, 4 * 1024, WriteAheadBuffer.Sync.OS)) {
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
      assertThat(next).extracting(r -> new String(r.payload(), StandardCharsets.UTF_8))
          .containsExactly(new String(record(12), StandardCharsets.UTF_8));
      buffer.commit(next.get(0).end());
      assertThat(buffer.hasPending()).isFalse();
      assertThat(buffer.sizeBytes()).isLessThan(4 * 1024);
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
    try (WriteAheadBuffer buffer = new WriteAheadBuffer(dir, 16 << 20, 8 * 1024, WriteAheadBuffer.Sync.ALWAYS)) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
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
    try (WriteAheadBuffer reopened = new WriteAheadBuffer(dir, 16 << 20, 8 * 1024, WriteAheadBuffer.Sync.ALWAYS)) {
      List<String> read = reopened.read(reopened.committed(), 1 << 30).stream()
          .map(r -> new String(r.payload(), StandardCharsets.UTF_8)).toList();
      assertThat(read).hasSize(threads * perThread).containsExactlyInAnyOrderElementsOf(acknowledged);
    }
  }
}
