/** Load benchmarks of the ClickHouse sink against a real engine. */
package dev.costtrace.bench.sink;
