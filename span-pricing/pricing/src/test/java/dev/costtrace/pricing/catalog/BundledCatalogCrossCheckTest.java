package dev.costtrace.pricing.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.costtrace.pricing.normalize.ModelIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The bundled catalog against the reference copy of the upstream genai-prices data: valid against
 * its schema, broad enough, and every model that also exists upstream has the same current prices,
 * except the differences listed here with the reason.
 */
class BundledCatalogCrossCheckTest {
  private static final Instant NOW = Instant.parse("2026-11-01T00:00:00Z");

  /** provider/model → why our price differs from the reference's. */
  private static final Map<String, String> DELIBERATE_DIFFERENCES =
      Map.of(
          "openai/gpt-4o-2024-05-13",
              "the reference's gpt-4o entry swallows this snapshot, which OpenAI lists at $5/$15",
          "anthropic/claude-sonnet-4",
              "Sonnet 4 has the same >200k long-context rates as Sonnet 4.5; the reference is flat",
          "google/gemini-1.5-pro", "the reference lacks Gemini 1.5 Pro's context-caching price",
          "google/gemini-1.5-flash-8b",
              "the reference's gemini-1.5-flash entry swallows flash-8b, which is half the price",
          "mistral/ministral-8b", "Mistral lists Ministral 8B output at $0.10, the reference $1",
          "mistral/mistral-embed", "embeddings produce no output tokens; we list no output price",
          "deepseek/deepseek-chat",
              "the reference keeps the retired off-peak scheme; DeepSeek V3.2 prices since 2025-09-29",
          "deepseek/deepseek-reasoner",
              "the reference keeps the retired off-peak scheme; DeepSeek V3.2 prices since 2025-09-29",
          "x-ai/grok-4-fast", "xAI doubles Grok 4 Fast rates above 128k tokens; the reference is flat",
          "x-ai/grok-4", "xAI doubles Grok 4 rates above 128k tokens; the reference is flat");

  private static final Set<String> FAMILIES =
      Set.of("openai", "anthropic", "google", "mistral", "deepseek", "x-ai", "aws");

  @Test
  void bundledCatalogIsValidAgainstTheSchema() throws Exception {
    JsonSchema schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(new String(ReferenceData.bytes("data.schema.json"), StandardCharsets.UTF_8));
    JsonNode bundled = CatalogLoader.JSON.readTree(PriceCatalogSource.bundledCatalog());
    Set<ValidationMessage> errors = schema.validate(bundled);
    assertThat(errors).isEmpty();
  }

  @Test
  void coversAtLeastSixtyModelsOfTheSevenFamilies() {
    List<ProviderEntry> providers =
        CatalogLoader.parse(PriceCatalogSource.bundledCatalog(), "bundled-prices.json");
    Map<String, Integer> perProvider = new TreeMap<>();
    providers.forEach(p -> perProvider.put(p.id(), p.models().size()));
    assertThat(perProvider.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(60);
    for (String family : FAMILIES) {
      assertThat(perProvider.getOrDefault(family, 0)).as(family).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void everyBundledModelHasASourceUrl() {
    JsonNode bundled = readBundled();
    for (JsonNode p : bundled) {
      for (JsonNode m : p.get("models")) {
        assertThat(m.path("price_comments").asText()).as(m.get("id").asText()).contains("Source: https://");
      }
    }
  }

  @Test
  void sharedModelsHaveTheReferencePrices() throws Exception {
    List<ProviderEntry> ours =
        CatalogLoader.parse(PriceCatalogSource.bundledCatalog(), "bundled-prices.json");
    List<ProviderEntry> reference =
        CatalogLoader.parse(ReferenceData.bytes("data.json"), "data.json");
    Map<String, ProviderEntry> refById = new HashMap<>();
    reference.forEach(p -> refById.put(p.id(), p));
    JsonNode ourJson = readBundled();
    JsonNode refJson = CatalogLoader.JSON.readTree(ReferenceData.bytes("data.json"));

    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    for (ProviderEntry p : ours) {
      ProviderEntry ref = refById.get(p.id());
      if (ref == null) {
        continue;
      }
      for (int i = 0; i < p.models().size(); i++) {
        ModelEntry m = p.models().get(i);
        ModelEntry r = ref.find(m.id());
        if (r == null) {
          continue;
        }
        compared++;
        JsonNode ourPrices = current(priceNode(ourJson, p.id(), m.id()));
        JsonNode refPrices = current(priceNode(refJson, p.id(), r.id()));
        String key = p.id() + "/" + m.id();
        boolean same = samePrices(ourPrices, refPrices);
        if (DELIBERATE_DIFFERENCES.containsKey(key)) {
          assertThat(same).as(key + " is listed as different but now agrees: remove it").isFalse();
        } else if (!same) {
          mismatches.add(key + ": ours " + ourPrices + " vs reference " + r.id() + " " + refPrices);
        }
      }
    }
    assertThat(mismatches).isEmpty();
    assertThat(compared).isGreaterThanOrEqualTo(40);
  }

  /** Both catalogs resolve common model spellings to entries with the same current input price. */
  @Test
  void identitySpellingsResolveInBoth() throws Exception {
    PriceCatalog ours = new PriceCatalog(
        CatalogLoader.parse(PriceCatalogSource.bundledCatalog(), "bundled"), "ours");
    PriceCatalog ref = new PriceCatalog(
        CatalogLoader.parse(ReferenceData.bytes("data.json"), "data.json"), "ref");
    ModelIdentity identity = new ModelIdentity(Map.of());
    for (String[] pm : new String[][] {
        {"openai", "gpt-4o-mini-2024-07-18"}, {"anthropic", "claude-3-5-haiku-20241022"},
        {"google", "gemini-2.0-flash-001"}, {"openai", "o4-mini-2025-04-16"}}) {
      ModelEntry a = ours.find(identity.resolve(pm[0], pm[1])).entry();
      ModelEntry b = ref.find(identity.resolve(pm[0], pm[1])).entry();
      assertThat(a).as(pm[1]).isNotNull();
      assertThat(b).as(pm[1]).isNotNull();
      assertThat(a.pricesAt(NOW).prices().input().base())
          .as(pm[1])
          .isEqualByComparingTo(b.pricesAt(NOW).prices().input().base());
    }
  }

  private static JsonNode readBundled() {
    try {
      return CatalogLoader.JSON.readTree(PriceCatalogSource.bundledCatalog());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode priceNode(JsonNode catalog, String provider, String model) {
    for (JsonNode p : catalog) {
      if (p.get("id").asText().equals(provider)) {
        for (JsonNode m : p.get("models")) {
          if (m.get("id").asText().equals(model)) {
            return m.get("prices");
          }
        }
      }
    }
    throw new AssertionError(provider + "/" + model + " not found");
  }

  /** The prices in force now: the object itself, or the latest dated conditional price. */
  private static JsonNode current(JsonNode prices) {
    if (prices.isObject()) {
      return prices;
    }
    JsonNode best = prices.get(0).get("prices");
    for (JsonNode c : prices) {
      JsonNode start = c.path("constraint").path("start_date");
      if (!start.isMissingNode() && start.asText().compareTo("2026-11-01") <= 0) {
        best = c.get("prices");
      }
    }
    return best;
  }

  /** Same price classes with numerically equal values; our 1-hour cache field is ours alone. */
  private static boolean samePrices(JsonNode ours, JsonNode ref) {
    Map<String, JsonNode> a = new TreeMap<>();
    ours.fields().forEachRemaining(e -> a.put(e.getKey(), e.getValue()));
    a.remove("cache_write_1h_mtok");
    Map<String, JsonNode> b = new TreeMap<>();
    ref.fields().forEachRemaining(e -> b.put(e.getKey(), e.getValue()));
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (String k : a.keySet()) {
      if (!sameValue(a.get(k), b.get(k))) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameValue(JsonNode x, JsonNode y) {
    if (x.isNumber() && y.isNumber()) {
      return x.decimalValue().compareTo(y.decimalValue()) == 0;
    }
    if (x.isObject() && y.isObject()) {
      if (!sameValue(x.get("base"), y.get("base")) || x.get("tiers").size() != y.get("tiers").size()) {
        return false;
      }
      for (int i = 0; i < x.get("tiers").size(); i++) {
        JsonNode tx = x.get("tiers").get(i);
        JsonNode ty = y.get("tiers").get(i);
        if (tx.get("start").asLong() != ty.get("start").asLong() || !sameValue(tx.get("price"), ty.get("price"))) {
          return false;
        }
      }
      return true;
    }
    return false;
  }
}
