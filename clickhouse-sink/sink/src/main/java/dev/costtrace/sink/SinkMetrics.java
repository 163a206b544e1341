package dev.costtrace.sink;

/**
 * A snapshot of the sink's counters, for the receiver's self-metrics.
 *
 * @param rowsAccepted span rows made durable by {@code accept}
 * @param rowsWritten span rows sent to ClickHouse (a replayed row counts again; its key collapses
 *     it)
 * @param rowsDuplicate span rows skipped because they were written recently (exporter retries)
 * @param rowsDeadLettered span rows ClickHouse rejected, set aside with their reason
 * @param bufferedBytes bytes in the on-disk buffer, written or not (whole written segments are
 *     deleted)
 * @param pendingBytes bytes acknowledged and not yet in ClickHouse with their rollups: 0 once the
 *     writer has caught up
 * @param batchesFailed batch attempts that failed and will be retried
 * @param lastBatchMillis how long the last successful batch took
 * @param rejectedFull accept calls refused because the buffer was full
 * @param tracesRecomputed trace rollups recomputed by the writer (with their conversations)
 * @param visibility from the acknowledgement of a call to its rollups written, in ClickHouse
 * @param batches batches written
 * @param rollups recomputations of rollups (a few batches behind a backlog share one)
 * @param insertMillis time the writer spent inserting rows and observations, all batches
 * @param recomputeMillis time the writer spent recomputing rollups, all batches
 * @param bufferRecordsQuarantined buffer records that could not be read back or decoded, set aside
 *     beside the buffer instead of being retried
 */
public record SinkMetrics(
    long rowsAccepted,
    long rowsWritten,
    long rowsDuplicate,
    long rowsDeadLettered,
    long bufferedBytes,
    long pendingBytes,
    long batchesFailed,
    long lastBatchMillis,
    long rejectedFull,
    long tracesRecomputed,
    VisibilityLag.Snapshot visibility,
    long batches,
    long rollups,
    long insertMillis,
    long recomputeMillis,
    long bufferRecordsQuarantined) {}
