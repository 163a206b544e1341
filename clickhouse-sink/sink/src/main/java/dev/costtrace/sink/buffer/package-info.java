/**
 * The durable write-ahead buffer: rows are appended and synced to checksummed segment files before
 * the sink acknowledges them, and removed only after ClickHouse has taken them.
 */
package dev.costtrace.sink.buffer;
