package dev.costtrace.sink;

/**
 * A snapshot of the sink's counters, for the receiver's self-metrics.
 *
 * @param rowsAccepted span rows made durable by {@code accept}
 * @param rowsWritten span rows newly stored in ClickHouse
 * @param rowsDuplicate span rows skipped because they were already stored (retries, replays)
 * @param rowsDeadLettered span rows ClickHouse rejected, set aside with their reason
 * @param bufferedBytes bytes in the on-disk buffer
 * @param batchesFailed batch attempts that failed and will be retried
 * @param lastBatchMillis how long the last successful batch took
 * @param rejectedFull accept calls refused because the buffer was full
 * @param bufferRecordsQuarantined buffer records that could not be read back or decoded, set aside
 *     beside the buffer instead of being retried
 */
public record SinkMetrics(
    long rowsAccepted,
    long rowsWritten,
    long rowsDuplicate,
    long rowsDeadLettered,
    long bufferedBytes,
    long batchesFailed,
    long lastBatchMillis,
    long rejectedFull,
    long bufferRecordsQuarantined) {}
