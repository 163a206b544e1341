package dev.costtrace.receiver.metrics;

import dev.costtrace.sink.SinkMetrics;
import dev.costtrace.sink.VisibilityLag;
import java.util.function.Supplier;

/** The ClickHouse sink's counters and backlog as Prometheus samples. */
public final class SinkMetricsSource implements MetricsSource {
  private static final String ROWS = "Span rows by what the sink did with them.";
  private final Supplier<SinkMetrics> metrics;

  public SinkMetricsSource(Supplier<SinkMetrics> metrics) {
    this.metrics = metrics;
  }

  @Override
  public void writeTo(PrometheusText out) {
    SinkMetrics m = metrics.get();
    out.counter("costtrace_sink_rows_total", ROWS, m.rowsAccepted(), "result", "accepted")
        .counter("costtrace_sink_rows_total", ROWS, m.rowsWritten(), "result", "written")
        .counter("costtrace_sink_rows_total", ROWS, m.rowsDuplicate(), "result", "duplicate")
        .counter("costtrace_sink_rows_total", ROWS, m.rowsDeadLettered(), "result", "dead_lettered")
        .gauge(
            "costtrace_sink_buffered_bytes",
            "Bytes the on-disk buffer holds, written to ClickHouse or not (written segments are deleted whole).",
            m.bufferedBytes())
        .gauge(
            "costtrace_sink_pending_bytes",
            "Bytes acknowledged but not yet in ClickHouse with their rollups: 0 once the writer has caught up.",
            m.pendingBytes())
        .counter(
            "costtrace_sink_batches_failed_total",
            "Batch writes to ClickHouse that failed and will be retried.",
            m.batchesFailed())
        .gauge(
            "costtrace_sink_last_batch_seconds",
            "How long the last successful batch write took.",
            m.lastBatchMillis() / 1000.0)
        .counter(
            "costtrace_sink_full_total",
            "Exports refused because the sink's buffer was full.",
            m.rejectedFull())
        .counter(
            "costtrace_sink_traces_recomputed_total",
            "Trace rollups recomputed from the stored spans.",
            m.tracesRecomputed())
        .histogram(
            "costtrace_sink_rollup_visible_seconds",
            "From the acknowledgement of an export to its rollups written in ClickHouse.",
            VisibilityLag.BOUNDS_SECONDS,
            m.visibility().counts(),
            m.visibility().sumSeconds())
        .counter(
            "costtrace_sink_buffer_quarantined_total",
            "Buffer records that could not be read back or decoded, set aside beside the buffer.",
            m.bufferRecordsQuarantined());
  }
}
