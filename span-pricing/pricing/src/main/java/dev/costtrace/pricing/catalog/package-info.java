/**
 * The price catalog in the open genai-prices JSON format: match rules, per-million-token prices,
 * cliff tiers, dated price history; layered (bundled, then user files, then overrides) and reloaded
 * when its files change.
 */
package dev.costtrace.pricing.catalog;
