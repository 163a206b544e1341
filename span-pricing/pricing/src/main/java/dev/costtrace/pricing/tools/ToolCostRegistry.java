package dev.costtrace.pricing.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costtrace.pricing.catalog.CatalogException;
import dev.costtrace.pricing.catalog.CatalogLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a tool call costs, by {@code gen_ai.tool.name}: a price per call plus a price per unit
 * (searches, seconds, pages) when the span reports units. Format (JSON):
 *
 * <pre>{@code
 * {"tools": [
 *   {"name": "web_search", "per_call_usd": 0.01, "source": "https://…"},
 *   {"name": "code_interpreter", "per_call_usd": 0.03, "tenant": "acme"},
 *   {"name": "ocr", "per_call_usd": 0, "per_unit_usd": 0.0015, "unit": "page"}
 * ]}
 * }</pre>
 *
 * Later files override earlier ones by name (and tenant).
 */
public final class ToolCostRegistry {

  public static final ToolCostRegistry EMPTY = new ToolCostRegistry(Map.of());

  private final Map<String, ToolPrice> byKey;

  private ToolCostRegistry(Map<String, ToolPrice> byKey) {
    this.byKey = Map.copyOf(byKey);
  }

  /** The bundled registry ({@code tool-prices.json} beside this class). */
  public static ToolCostRegistry bundled() {
    try (InputStream in = ToolCostRegistry.class.getResourceAsStream("tool-prices.json")) {
      if (in == null) {
        throw new CatalogException("bundled tool-prices.json missing from the class path");
      }
      return EMPTY.with(in.readAllBytes(), "tool-prices.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A registry with the tools of this file added, replacing same-name (and tenant) entries. */
  public ToolCostRegistry with(byte[] content, String source) {
    JsonNode tools = CatalogLoader.array(content, source, "tools");
    Map<String, ToolPrice> merged = new HashMap<>(byKey);
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String path = "$.tools[" + i + "]";
      if (!t.hasNonNull("name") || t.get("name").asText().isBlank()) {
        throw new CatalogException(source + ": " + path + ".name: required");
      }
      String name = t.get("name").asText().toLowerCase(Locale.ROOT);
      String tenant = t.hasNonNull("tenant") ? t.get("tenant").asText() : "";
      merged.put(
          key(name, tenant),
          new ToolPrice(
              name,
              amount(t, "per_call_usd", source, path),
              amount(t, "per_unit_usd", source, path),
              t.hasNonNull("unit") ? t.get("unit").asText() : "",
              t.hasNonNull("source") ? t.get("source").asText() : source));
    }
    return new ToolCostRegistry(merged);
  }

  private static BigDecimal amount(JsonNode t, String field, String source, String path) {
    JsonNode v = t.get(field);
    if (v == null || v.isNull()) {
      return BigDecimal.ZERO;
    }
    if (!v.isNumber() || v.decimalValue().signum() < 0) {
      throw new CatalogException(source + ": " + path + "." + field + ": expected a number ≥ 0");
    }
    return v.decimalValue();
  }

  /** The price of a tool for a tenant (a tenant's own entry first), or null when unregistered. */
  public ToolPrice find(String toolName, String tenant) {
    String name = toolName.toLowerCase(Locale.ROOT);
    if (tenant != null && !tenant.isEmpty()) {
      ToolPrice own = byKey.get(key(name, tenant));
      if (own != null) {
        return own;
      }
    }
    return byKey.get(key(name, ""));
  }

  public int size() {
    return byKey.size();
  }

  private static String key(String name, String tenant) {
    return tenant.isEmpty() ? name : name + "@" + tenant;
  }

  /** All registered tools, for listing. */
  public List<ToolPrice> all() {
    return new ArrayList<>(byKey.values());
  }

  /**
   * A tool's price.
   *
   * @param name tool name, lower-cased
   * @param perCall USD per call
   * @param perUnit USD per unit
   * @param unit what a unit is
   * @param source where the price comes from
   */
  public record ToolPrice(
      String name, BigDecimal perCall, BigDecimal perUnit, String unit, String source) {}
}
