/**
 * Writes priced spans to ClickHouse: versioned schema, exactly-once batched writes, trace and
 * conversation rollups, and a durable on-disk buffer for when ClickHouse is unreachable.
 */
package dev.costtrace.sink;
