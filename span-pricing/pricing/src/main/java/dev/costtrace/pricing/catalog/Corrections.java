package dev.costtrace.pricing.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our corrections of and additions to the generated genai-prices catalog, layered on top of it:
 * each entry names the provider, the model in the genai-prices format, where its prices come from
 * and why it differs from the reference. A model with an upstream model's id replaces it in place;
 * any other is an addition, tried before the provider's upstream models. Format:
 *
 * <pre>{@code
 * {"corrections": [
 *   {"provider": "deepseek", "source": "https://api-docs.deepseek.com/quick_start/pricing",
 *    "reason": "upstream keeps the V3 prices after DeepSeek's September 2025 changes",
 *    "model": {"id": "deepseek-chat", "match": {...}, "prices": [...]}}
 * ]}
 * }</pre>
 */
public final class Corrections {
  private final List<Correction> entries;

  private Corrections(List<Correction> entries) {
    this.entries = List.copyOf(entries);
  }

  public static Corrections parse(byte[] content, String source) {
    JsonNode list = CatalogLoader.array(content, source, "corrections");
    List<Correction> entries = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode c = list.get(i);
      String path = "$.corrections[" + i + "]";
      String provider = required(c, "provider", source, path);
      String from = required(c, "source", source, path);
      if (!from.startsWith("https://")) {
        throw new CatalogException(source + ": " + path + ".source: expected an https:// URL");
      }
      String reason = required(c, "reason", source, path);
      if (!c.has("model")) {
        throw new CatalogException(source + ": " + path + ".model: required");
      }
      ModelEntry model = CatalogLoader.model(provider, c.get("model"), source, path + ".model");
      entries.add(new Correction(provider, model, from, reason));
    }
    return new Corrections(entries);
  }

  private static String required(JsonNode node, String field, String source, String path) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new CatalogException(source + ": " + path + "." + field + ": required string");
    }
    return v.asText();
  }

  public List<Correction> entries() {
    return entries;
  }

  /**
   * The corrections as a catalog layer over {@code base}. A correction of a provider the base does
   * not have (a catalog fetched from a URL may hold fewer) is left out: it corrects nothing there.
   */
  List<ProviderEntry> layerOver(List<ProviderEntry> base) {
    Map<String, ProviderEntry> byId = new LinkedHashMap<>();
    base.forEach(p -> byId.putIfAbsent(p.id(), p));
    Map<String, List<ModelEntry>> models = new LinkedHashMap<>();
    for (Correction c : entries) {
      if (byId.containsKey(c.provider())) {
        models.computeIfAbsent(c.provider(), k -> new ArrayList<>()).add(c.model());
      }
    }
    List<ProviderEntry> layer = new ArrayList<>();
    models.forEach(
        (id, ms) -> {
          ProviderEntry p = byId.get(id);
          layer.add(new ProviderEntry(id, p.name(), List.of(), null, null, List.of(), ms));
        });
    return layer;
  }

  /**
   * One correction or addition.
   *
   * @param provider catalog provider id
   * @param model the model with our prices
   * @param source where the prices come from (https URL)
   * @param reason why they differ from the reference
   */
  public record Correction(String provider, ModelEntry model, String source, String reason) {}
}
