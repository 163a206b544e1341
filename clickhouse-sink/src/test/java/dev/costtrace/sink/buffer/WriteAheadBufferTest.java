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
}
