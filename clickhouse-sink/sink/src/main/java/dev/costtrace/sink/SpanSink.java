package dev.costtrace.sink;

import java.util.List;

/**
 * Where the receiver hands priced spans and what spans said about their traces' attribution.
 *
 * <p>Contract: when {@link #accept} returns normally, every row is durable — in ClickHouse or in
 * the sink's on-disk buffer — so the receiver may acknowledge the export. A row written twice (an
 * exporter retry, a replay, two receivers) counts once in every view and rollup.
 */
public interface SpanSink extends AutoCloseable {

  /**
   * Makes the rows durable, then writes them to ClickHouse in batches.
   *
   * @throws SinkFullException when the buffer is full; nothing of this call was accepted and the
   *     caller should tell its client to retry later
   */
  void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) throws SinkFullException;

  /** Writes everything accepted so far to ClickHouse or the buffer before returning. */
  void flush();

  /** Flushes, then releases resources. Idempotent. */
  @Override
  void close();
}
