/** JMH benchmarks of span-pricing's hot path: normalise and price one span. */
package dev.costtrace.bench.pricing;
