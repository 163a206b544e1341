/**
 * Benchmarks of the instrumentation agent's hot paths: reading usage from response bodies as the
 * application reads them, beside the application's own read of the same bytes.
 */
package dev.costtrace.bench.agent;
