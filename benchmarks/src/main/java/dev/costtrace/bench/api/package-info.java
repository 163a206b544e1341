/** Latency of the cost API on a large table, through the receiver's HTTP port. */
package dev.costtrace.bench.api;
