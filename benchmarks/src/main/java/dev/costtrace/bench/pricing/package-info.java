/**
 * Benchmarks of span-pricing's hot path, normalise and price one span: on a realistic mix with the
 * full and the former 77-model catalog, and on the oracle test's cases side by side with the
 * reference implementation's {@code calcPrice} in Node.js ({@link
 * dev.costtrace.bench.pricing.PricingComparison}).
 */
package dev.costtrace.bench.pricing;
