package dev.costtrace.pricing.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Price multipliers for service tiers (batch, flex, priority) that the genai-prices format cannot
 * express. Rules are tried in file order; the first whose provider, tier and model prefix match
 * wins. A tier with no rule is priced at standard rates and said so in the reason.
 */
public final class ServiceTiers {
  /** Tier names that mean "standard prices" for every provider. */
  private static final List<String> STANDARD =
      List.of("", "default", "auto", "standard", "on_demand", "on-demand");

  private final List<Rule> rules;

  private ServiceTiers(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** The bundled rules ({@code service-tiers.json} beside this class). */
  public static ServiceTiers bundled() {
    try (InputStream in = ServiceTiers.class.getResourceAsStream("service-tiers.json")) {
      if (in == null) {
        throw new CatalogException("bundled service-tiers.json missing from the class path");
      }
      return parse(in.readAllBytes(), "service-tiers.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ServiceTiers parse(byte[] content, String source) {
    JsonNode tiers = CatalogLoader.array(content, source, "tiers");
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < tiers.size(); i++) {
      JsonNode t = tiers.get(i);
      String path = "$.tiers[" + i + "]";
      JsonNode m = t.get("multiplier");
      if (!t.hasNonNull("provider")
          || !t.hasNonNull("tier")
          || m == null
          || !m.isNumber()
          || m.decimalValue().signum() < 0) {
        throw new CatalogException(
            source + ": " + path + ": needs provider, tier and a non-negative number multiplier");
      }
      rules.add(
          new Rule(
              t.get("provider").asText(),
              t.get("tier").asText().toLowerCase(Locale.ROOT),
              t.hasNonNull("model_prefix") ? t.get("model_prefix").asText() : "",
              m.decimalValue()));
    }
    return new ServiceTiers(rules);
  }

  /** True when the tier name means standard prices. */
  public static boolean isStandard(String tier) {
    return STANDARD.contains(tier);
  }

  /** The multiplier for a tier, or null when no rule covers it. */
  public BigDecimal multiplier(String provider, String modelId, String tier) {
    for (Rule r : rules) {
      if (r.provider.equals(provider) && r.tier.equals(tier) && modelId.startsWith(r.modelPrefix)) {
        return r.multiplier;
      }
    }
    return null;
  }

  private record Rule(String provider, String tier, String modelPrefix, BigDecimal multiplier) {}
}
