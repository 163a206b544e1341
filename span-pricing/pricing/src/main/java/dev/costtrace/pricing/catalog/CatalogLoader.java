package dev.costtrace.pricing.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.PatternSyntaxException;

/**
 * Reads price files in the genai-prices JSON format (an array of providers with their models).
 * Numbers are read as exact decimals. Errors name the file and the JSON path of the bad field.
 */
public final class CatalogLoader {
  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private CatalogLoader() {}

  /**
   * The array at {@code $.<field>} of a JSON object file (overrides, tools, service tiers,
   * corrections).
   *
   * @throws CatalogException naming the file when it is not JSON or has no such array
   */
  public static JsonNode array(byte[] content, String source, String field) {
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (java.io.IOException e) {
      throw new CatalogException(source + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonNode array = root == null ? null : root.get(field);
    if (array == null || !array.isArray()) {
      throw new CatalogException(source + ": $." + field + ": expected an array");
    }
    return array;
  }

  /** Parses a whole genai-prices file. */
  public static List<ProviderEntry> parse(byte[] content, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (JsonProcessingException e) {
      throw new CatalogException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new CatalogException(source + ": cannot be read: " + e.getMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new CatalogException(source + ": expected a JSON array of providers at $");
    }
    List<ProviderEntry> providers = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      providers.add(provider(root.get(i), source, "$[" + i + "]"));
    }
    return providers;
  }

  private static ProviderEntry provider(JsonNode node, String source, String path) {
    String id = text(node, "id", source, path, true);
    String name = node.has("name") ? node.get("name").asText() : id;
    List<String> urls = new ArrayList<>();
    if (node.has("pricing_urls")) {
      node.get("pricing_urls").forEach(u -> urls.add(u.asText()));
    }
    MatchRule providerMatch =
        node.has("provider_match")
            ? rule(node.get("provider_match"), source, path + ".provider_match")
            : null;
    MatchRule modelMatch =
        node.has("model_match")
            ? rule(node.get("model_match"), source, path + ".model_match")
            : null;
    List<String> fallbacks = new ArrayList<>();
    if (node.has("fallback_model_providers")) {
      node.get("fallback_model_providers").forEach(f -> fallbacks.add(f.asText()));
    }
    JsonNode models = node.get("models");
    if (models == null || !models.isArray()) {
      throw new CatalogException(source + ": " + path + ".models: expected an array");
    }
    List<ModelEntry> entries = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      entries.add(model(id, models.get(i), source, path + ".models[" + i + "]"));
    }
    return new ProviderEntry(id, name, urls, providerMatch, modelMatch, fallbacks, entries);
  }

  static ModelEntry model(String providerId, JsonNode node, String source, String path) {
    String id = text(node, "id", source, path, true);
    if (!node.has("match")) {
      throw new CatalogException(source + ": " + path + ".match: required (model " + id + ")");
    }
    MatchRule match = rule(node.get("match"), source, path + ".match");
    return new ModelEntry(
        providerId, id, match, prices(node.get("prices"), source, path + ".prices"), source);
  }

  static List<ConditionalPrice> prices(JsonNode prices, String source, String path) {
    if (prices == null) {
      throw new CatalogException(source + ": " + path + ": required");
    }
    List<ConditionalPrice> out = new ArrayList<>();
    if (prices.isObject()) {
      out.add(new ConditionalPrice(null, null, null, modelPrice(prices, source, path)));
    } else if (prices.isArray() && prices.size() > 0) {
      for (int i = 0; i < prices.size(); i++) {
        JsonNode cp = prices.get(i);
        String p = path + "[" + i + "]";
        if (!cp.has("prices")) {
          throw new CatalogException(source + ": " + p + ".prices: required");
        }
        LocalDate start = null;
        LocalTime from = null;
        LocalTime to = null;
        JsonNode c = cp.get("constraint");
        try {
          if (c != null && c.has("start_date")) {
            start = LocalDate.parse(c.get("start_date").asText());
          } else if (c != null && c.has("start_time")) {
            from = time(c.get("start_time").asText());
            to = time(c.get("end_time").asText());
          } else if (c != null && !c.isNull()) {
            throw new CatalogException(source + ": " + p + ".constraint: unknown constraint " + c);
          }
        } catch (DateTimeParseException | NullPointerException e) {
          throw new CatalogException(source + ": " + p + ".constraint: bad date or time " + c, e);
        }
        out.add(
            new ConditionalPrice(
                start, from, to, modelPrice(cp.get("prices"), source, p + ".prices")));
      }
    } else {
      throw new CatalogException(
          source + ": " + path + ": expected a price object or a non-empty array");
    }
    return out;
  }

  /** A time of day in UTC: {@code 16:30:00Z}, {@code 16:30}, or with an offset. */
  private static LocalTime time(String text) {
    if (text.endsWith("Z") || text.contains("+") || text.lastIndexOf('-') > 0) {
      String t = text.endsWith("Z") ? text.substring(0, text.length() - 1) + "+00:00" : text;
      return OffsetTime.parse(t).withOffsetSameInstant(ZoneOffset.UTC).toLocalTime();
    }
    return LocalTime.parse(text);
  }

  static ModelPrice modelPrice(JsonNode node, String source, String path) {
    if (!node.isObject()) {
      throw new CatalogException(source + ": " + path + ": expected an object");
    }
    Map<String, Price> prices = new HashMap<>();
    BigDecimal requests = null;
    for (Map.Entry<String, JsonNode> f : node.properties()) {
      String p = path + "." + f.getKey();
      if (f.getKey().equals(ModelPrice.REQUESTS)) {
        requests = nonNegative(f.getValue(), source, p);
      } else {
        prices.put(f.getKey(), price(f.getValue(), source, p));
      }
    }
    return ModelPrice.of(prices, requests);
  }

  static Price price(JsonNode node, String source, String path) {
    if (node.isNumber()) {
      return Price.flat(nonNegative(node, source, path));
    }
    if (node.isObject() && node.has("base") && node.has("tiers")) {
      BigDecimal base = nonNegative(node.get("base"), source, path + ".base");
      List<Price.Tier> tiers = new ArrayList<>();
      JsonNode ts = node.get("tiers");
      long previous = -1;
      for (int i = 0; i < ts.size(); i++) {
        JsonNode t = ts.get(i);
        String tp = path + ".tiers[" + i + "]";
        if (!t.has("start") || !t.get("start").canConvertToLong() || t.get("start").asLong() < 0) {
          throw new CatalogException(source + ": " + tp + ".start: expected a whole number ≥ 0");
        }
        long start = t.get("start").asLong();
        if (start <= previous) {
          throw new CatalogException(source + ": " + tp + ".start: tiers must ascend");
        }
        previous = start;
        tiers.add(new Price.Tier(start, nonNegative(t.get("price"), source, tp + ".price")));
      }
      return new Price(base, tiers);
    }
    throw new CatalogException(
        source + ": " + path + ": expected a number or {\"base\": …, \"tiers\": […]}, got " + node);
  }

  private static BigDecimal nonNegative(JsonNode node, String source, String path) {
    if (node == null || !node.isNumber()) {
      throw new CatalogException(source + ": " + path + ": expected a number, got " + node);
    }
    BigDecimal v = node.decimalValue();
    if (v.signum() < 0) {
      throw new CatalogException(source + ": " + path + ": must not be negative, got " + v);
    }
    return v;
  }

  /** A catalog match clause: prefixes and substrings never match across a version number. */
  static MatchRule rule(JsonNode node, String source, String path) {
    return rule(node, source, path, true);
  }

  /**
   * A match clause.
   *
   * @param versionBoundaries whether starts_with and contains stop at a version number (catalog
   *     files) or match whatever follows (the user's overrides)
   */
  static MatchRule rule(JsonNode node, String source, String path, boolean versionBoundaries) {
    if (node == null || !node.isObject() || node.size() != 1) {
      throw new CatalogException(
          source
              + ": "
              + path
              + ": expected one of equals, starts_with, ends_with, contains,"
              + " regex, or, and; got "
              + node);
    }
    Map.Entry<String, JsonNode> clause = node.properties().iterator().next();
    String kind = clause.getKey();
    JsonNode value = clause.getValue();
    switch (kind) {
      case "equals":
        return MatchRule.equalsTo(value.asText());
      case "starts_with":
        return versionBoundaries
            ? MatchRule.startsWith(value.asText())
            : MatchRule.prefix(value.asText());
      case "ends_with":
        return MatchRule.endsWith(value.asText());
      case "contains":
        return versionBoundaries
            ? MatchRule.contains(value.asText())
            : MatchRule.substring(value.asText());
      case "regex":
        try {
          return MatchRule.regex(value.asText());
        } catch (PatternSyntaxException e) {
          throw new CatalogException(source + ": " + path + ".regex: " + e.getDescription(), e);
        }
      case "or":
      case "and":
        if (!value.isArray() || value.isEmpty()) {
          throw new CatalogException(
              source + ": " + path + "." + kind + ": expected a non-empty array");
        }
        List<MatchRule> rules = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
          rules.add(
              rule(value.get(i), source, path + "." + kind + "[" + i + "]", versionBoundaries));
        }
        return kind.equals("or") ? MatchRule.anyOf(rules) : MatchRule.allOf(rules);
      default:
        throw new CatalogException(source + ": " + path + ": unknown match clause '" + kind + "'");
    }
  }

  private static String text(
      JsonNode node, String field, String source, String path, boolean required) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      if (required) {
        throw new CatalogException(source + ": " + path + "." + field + ": required string");
      }
      return "";
    }
    return v.asText();
  }
}
