package dev.costtrace.pricing.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Negotiated or self-hosted prices that beat the catalog: per token and per request, optionally for
 * one tenant only. File format (JSON):
 *
 * <pre>{@code
 * {"models": [
 *   {"provider": "azure", "model": "gpt-4o", "tenant": "acme",
 *    "prices": {"input_mtok": 2.0, "output_mtok": 8.0, "requests_kcount": 0.5},
 *    "note": "2026 enterprise agreement"},
 *   {"provider": "ollama", "match": {"starts_with": "llama3"},
 *    "prices": {"input_mtok": 0.05, "output_mtok": 0.05}}
 * ]}
 * }</pre>
 *
 * {@code model} is shorthand for {@code "match": {"equals": …}}; {@code provider} and {@code
 * tenant} are optional. Tenant-specific entries are tried before general ones, then file order.
 */
public final class PriceOverrides {
  public static final PriceOverrides NONE = new PriceOverrides(List.of());

  private final List<Entry> entries;

  private PriceOverrides(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static PriceOverrides parse(byte[] content, String source) {
    JsonNode models = CatalogLoader.array(content, source, "models");
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      JsonNode m = models.get(i);
      String path = "$.models[" + i + "]";
      MatchRule match;
      String label;
      if (m.hasNonNull("model")) {
        label = m.get("model").asText();
        match = MatchRule.equalsTo(label);
      } else if (m.has("match")) {
        // The user's own rule: a prefix means every model it starts, newer versions included.
        match = CatalogLoader.rule(m.get("match"), source, path + ".match", false);
        label = m.get("match").toString();
      } else {
        throw new CatalogException(source + ": " + path + ": needs \"model\" or \"match\"");
      }
      String provider = m.hasNonNull("provider") ? m.get("provider").asText() : "";
      String tenant = m.hasNonNull("tenant") ? m.get("tenant").asText() : "";
      String note = m.hasNonNull("note") ? m.get("note").asText() : "";
      List<ConditionalPrice> prices =
          CatalogLoader.prices(m.get("prices"), source, path + ".prices");
      String id =
          (provider.isEmpty() ? "*" : provider)
              + "/"
              + label
              + (tenant.isEmpty() ? "" : "@" + tenant);
      entries.add(
          new Entry(provider, tenant, note, new ModelEntry("override", id, match, prices, source)));
    }
    entries.sort(Comparator.comparing(e -> e.tenant.isEmpty()));
    return new PriceOverrides(entries);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * The override for a model, or null.
   *
   * @param tenant the span's tenant, or empty
   * @param provider canonical provider id, or empty
   * @param candidates lower-cased model ids to try
   */
  public Entry find(String tenant, String provider, List<String> candidates) {
    for (Entry e : entries) {
      if (!e.tenant.isEmpty() && !e.tenant.equals(tenant)) {
        continue;
      }
      if (!e.provider.isEmpty() && !e.provider.equals(provider)) {
        continue;
      }
      for (String c : candidates) {
        if (e.model.match().matches(c)) {
          return e;
        }
      }
    }
    return null;
  }

  /**
   * One override.
   *
   * @param provider provider it applies to, or empty for any
   * @param tenant tenant it applies to, or empty for all
   * @param note why (contract, self-hosted cost), carried into the reason
   * @param model the prices, as a catalog entry
   */
  public record Entry(String provider, String tenant, String note, ModelEntry model) {}
}
