/**
 * Load benchmark of the OTLP receiver: bare decode, in-process gRPC and HTTP, end-to-end into
 * ClickHouse.
 */
package dev.costtrace.bench.receiver;
