/**
 * The reliability suite: {@code costtrace serve} in its own JVM ({@code -Xmx512m}), loaded over
 * OTLP/HTTP and OTLP/gRPC by a generator that behaves like the Collector's OTLP exporters (it
 * retries what the specification makes retryable, honouring Retry-After and RetryInfo), through
 * faults — overload, ClickHouse gone, the embedded engine killed, malformed and fuzzed requests, a
 * full disk — with the figures that matter counted from ClickHouse afterwards: load offered and
 * held, spans acknowledged, lost, counted twice, time to recover, peak memory. Each fault is a
 * {@link dev.costtrace.bench.reliability.Scenario}; new ones slot into {@link
 * dev.costtrace.bench.reliability.ReliabilitySuite#SCENARIOS}.
 */
package dev.costtrace.bench.reliability;
