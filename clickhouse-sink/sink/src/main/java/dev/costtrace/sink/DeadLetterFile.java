package dev.costtrace.sink;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The sink's dead letters ({@link DeadLetterStore}): rows rejected while a batch is written are
 * kept here until the writer syncs them, just before it commits the buffer past them; a failed
 * batch's are discarded, since its retry rejects them again. So a dead-lettered row is on disk
 * before the buffer lets go of it, and a crash in between only rejects it once more.
 */
final class DeadLetterFile implements ClickHouseWriter.DeadLetters {
  private static final Logger LOG = Logger.getLogger(DeadLetterFile.class.getName());

  private final DeadLetterStore store;
  private final SinkProgress progress;
  private final long maxBytes;
  private final int maxFiles;
  private final List<String> pending = new ArrayList<>();

  DeadLetterFile(Path bufferDir, SinkProgress progress, long maxBytes, int maxFiles) {
    this.store = new DeadLetterStore(bufferDir);
    this.progress = progress;
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
  }

  @Override
  public synchronized void reject(SpanCostRow row, String reason) {
    pending.add(DeadLetterStore.line(row, reason, Instant.now()));
    LOG.warning(
        "span " + row.traceId() + "/" + row.spanId() + " rejected by ClickHouse: " + reason);
  }

  @Override
  public synchronized void reject(SpanAttribution a, String reason) {
    pending.add(DeadLetterStore.line(a, reason, Instant.now()));
    LOG.warning(
        "observation of span "
            + a.traceId()
            + "/"
            + a.spanId()
            + " rejected by ClickHouse: "
            + reason);
  }

  @Override
  public synchronized void sync() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    store.append(pending, maxBytes, maxFiles);
    progress.deadLettered.addAndGet(pending.size());
    pending.clear();
  }

  @Override
  public synchronized void discard() {
    pending.clear();
  }
}
