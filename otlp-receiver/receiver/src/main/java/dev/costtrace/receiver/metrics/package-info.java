/**
 * The receiver's self-metrics in the Prometheus text exposition format ({@code GET /metrics}):
 * requests and their latency by transport and status, spans received, rejected, priced and
 * unpriced, queue depth and the sink's backlog. Counters are lock-free adders, read only when
 * scraped.
 */
package dev.costtrace.receiver.metrics;
