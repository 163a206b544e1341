/**
 * Turns an LLM or tool span into exact money: {@link dev.costtrace.pricing.SpanPricer} normalises
 * the span's attributes (any emitter's conventions) into disjoint token classes, finds the price in
 * effect at the span's start in the layered catalog, and returns a {@link
 * dev.costtrace.pricing.PricedSpan} with every cost component, the total and its provenance.
 */
package dev.costtrace.pricing;
