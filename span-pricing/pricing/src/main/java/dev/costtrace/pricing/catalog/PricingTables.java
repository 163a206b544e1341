package dev.costtrace.pricing.catalog;

import dev.costtrace.pricing.tools.ToolCostRegistry;

/**
 * One consistent snapshot of everything prices come from.
 *
 * @param catalog the layered model catalog
 * @param overrides negotiated / self-hosted prices, tried first
 * @param tools tool-call prices
 * @param serviceTiers service-tier multipliers
 * @param version identifies this snapshot: carried into every result
 */
public record PricingTables(
    PriceCatalog catalog,
    PriceOverrides overrides,
    ToolCostRegistry tools,
    ServiceTiers serviceTiers,
    String version) {}
