package dev.costtrace.pricing.catalog;

import java.util.List;

/**
 * A provider in the catalog.
 *
 * @param id catalog id, e.g. {@code openai}
 * @param name display name
 * @param pricingUrls where the provider publishes its prices
 * @param providerMatch matches provider names that mean this provider, or null
 * @param modelMatch matches model ids this provider serves, or null
 * @param fallbackProviders providers whose prices apply to models this one lacks (Bedrock →
 *     Anthropic)
 * @param models in match order
 */
public record ProviderEntry(
    String id,
    String name,
    List<String> pricingUrls,
    MatchRule providerMatch,
    MatchRule modelMatch,
    List<String> fallbackProviders,
    List<ModelEntry> models) {

  public ProviderEntry {
    pricingUrls = List.copyOf(pricingUrls);
    fallbackProviders = List.copyOf(fallbackProviders);
    models = List.copyOf(models);
  }

  /** The first model whose match rule accepts the id, or null. */
  public ModelEntry find(String lowerCaseModelId) {
    for (int i = 0, n = models.size(); i < n; i++) {
      ModelEntry m = models.get(i);
      if (m.match().matches(lowerCaseModelId)) {
        return m;
      }
    }
    return null;
  }
}
