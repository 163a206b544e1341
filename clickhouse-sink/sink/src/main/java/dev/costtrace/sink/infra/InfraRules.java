package dev.costtrace.sink.infra;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The infrastructure cost rules of {@code COSTTRACE_INFRA_COSTS}: a YAML (or JSON, which is YAML)
 * file with a list of rules, each a shared cost and how it is allocated:
 *
 * <pre>
 * rules:
 *   - name: gpu-inference        # shown as infra:gpu-inference
 *     match: {provider: vllm}    # which spans use it: service, provider, model, tool (all given must match)
 *     monthly_usd: 7200          # or hourly_usd
 *     allocate: per_second       # per_second | per_call | per_conversation
 *     rate: actual               # actual (default) | fixed
 *     capacity_per_hour: 3600    # fixed only (per_second defaults to 3600)
 * </pre>
 *
 * Strict: an unknown key, a missing or negative amount, a duplicate name is an error naming the
 * rule, the line it starts on and the key. {@link #version()} is a digest of the rules' canonical
 * form, so the same rules read twice (a restart, a touched file) are one version.
 */
public record InfraRules(List<InfraRule> rules, String version) {
  private static final ObjectMapper YAML =
      YAMLMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Set<String> RULE_KEYS =
      Set.of("name", "match", "monthly_usd", "hourly_usd", "allocate", "rate", "capacity_per_hour");
  private static final Set<String> MATCH_KEYS = Set.of("service", "provider", "model", "tool");

  public InfraRules {
    rules = List.copyOf(rules);
  }

  /** No shared costs: nothing is allocated. */
  public static InfraRules none() {
    return of(List.of());
  }

  public static InfraRules of(List<InfraRule> rules) {
    return new InfraRules(rules, digest(canonical(rules)));
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /** Parses the file's text; errors name the rule and the key, as "rule 2 (gpu): ...". */
  public static InfraRules parse(String text) {
    JsonNode root;
    try {
      root = text.isBlank() ? JsonNodeFactory.instance.objectNode() : YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          (e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ")
              + "not YAML or JSON: "
              + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("expected an object with a list 'rules'");
    }
    for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.equals("rules")) {
        throw new IllegalArgumentException("unknown key '" + key + "' (expected 'rules')");
      }
    }
    JsonNode list = root.path("rules");
    if (!list.isMissingNode() && !list.isArray()) {
      throw new IllegalArgumentException("'rules' must be a list");
    }
    List<InfraRule> rules = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<Integer> lines = ruleLines(text);
    int i = 0;
    for (JsonNode r : list) {
      i++;
      String where =
          "rule "
              + i
              + (r.path("name").isTextual() ? " (" + r.path("name").asText() + ")" : "")
              + (i <= lines.size() ? " at line " + lines.get(i - 1) : "");
      try {
        InfraRule rule = rule(r);
        if (!names.add(rule.name())) {
          throw new IllegalArgumentException("another rule has this name");
        }
        rules.add(rule);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    return of(rules);
  }

  /** The line each element of the list {@code rules} starts on (the tree keeps no locations). */
  private static List<Integer> ruleLines(String text) {
    List<Integer> lines = new ArrayList<>();
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return lines;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean isRules = p.currentName().equals("rules");
        JsonToken value = p.nextToken();
        if (isRules && value == JsonToken.START_ARRAY) {
          while (p.nextToken() != JsonToken.END_ARRAY) {
            lines.add(p.currentTokenLocation().getLineNr());
            p.skipChildren();
          }
          return lines;
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      // the tree's parse reports it
    }
    return lines;
  }

  private static InfraRule rule(JsonNode r) {
    if (!r.isObject()) {
      throw new IllegalArgumentException("expected an object");
    }
    unknownKeys(r, RULE_KEYS);
    String name = r.path("name").asText("");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    JsonNode m = r.path("match");
    if (!m.isObject() || m.isEmpty()) {
      throw new IllegalArgumentException(
          "match must name at least one of service, provider, model, tool");
    }
    unknownKeys(m, MATCH_KEYS);
    InfraRule.Match match =
        new InfraRule.Match(
            text(m, "service"), text(m, "provider"), text(m, "model"), text(m, "tool"));
    InfraRule.Unit unit = choice(r, "allocate", InfraRule.Unit.class, null);
    InfraRule.Rate rate = choice(r, "rate", InfraRule.Rate.class, InfraRule.Rate.ACTUAL);
    BigDecimal capacity = amount(r, "capacity_per_hour");
    if (capacity != null && (rate != InfraRule.Rate.FIXED || capacity.signum() == 0)) {
      throw new IllegalArgumentException(
          "capacity_per_hour is for rate: fixed, and must be positive");
    }
    if (rate == InfraRule.Rate.FIXED && capacity == null && unit != InfraRule.Unit.PER_SECOND) {
      throw new IllegalArgumentException(
          "a fixed rate per call or per conversation needs capacity_per_hour");
    }
    return new InfraRule(
        name, match, amount(r, "monthly_usd"), amount(r, "hourly_usd"), unit, rate, capacity);
  }

  private static void unknownKeys(JsonNode o, Set<String> known) {
    for (Iterator<String> keys = o.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!known.contains(key)) {
        throw new IllegalArgumentException("unknown key '" + key + "'");
      }
    }
  }

  private static String text(JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw new IllegalArgumentException(key + " must be a non-empty string");
    }
    return v.asText();
  }

  private static <E extends Enum<E>> E choice(JsonNode o, String key, Class<E> type, E absent) {
    JsonNode v = o.get(key);
    if (v == null) {
      if (absent == null) {
        throw new IllegalArgumentException(key + " is required");
      }
      return absent;
    }
    try {
      return Enum.valueOf(type, v.asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E c : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
      }
      throw new IllegalArgumentException(
          key + " must be one of " + allowed + ", not '" + v.asText() + "'");
    }
  }

  /** A non-negative amount (number or decimal string), at most 12 decimals; null when absent. */
  private static BigDecimal amount(JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    BigDecimal d;
    try {
      d = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, not '" + v.asText() + "'");
    }
    if (d.signum() < 0 || d.stripTrailingZeros().scale() > InfraRule.SCALE) {
      throw new IllegalArgumentException(key + " must be non-negative with at most 12 decimals");
    }
    return d.stripTrailingZeros();
  }

  /** The rules as canonical JSON (what the version digests and what is stored with it). */
  public String canonicalJson() {
    return canonical(rules);
  }

  private static String canonical(List<InfraRule> rules) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (InfraRule r : rules) {
      ObjectNode o = out.addObject();
      o.put("name", r.name());
      ObjectNode m = o.putObject("match");
      putIfSet(m, "service", r.match().service());
      putIfSet(m, "provider", r.match().provider());
      putIfSet(m, "model", r.match().model());
      putIfSet(m, "tool", r.match().tool());
      putIfSet(o, "monthly_usd", r.monthlyUsd() == null ? null : r.monthlyUsd().toPlainString());
      putIfSet(o, "hourly_usd", r.hourlyUsd() == null ? null : r.hourlyUsd().toPlainString());
      o.put("allocate", r.unit().name().toLowerCase(Locale.ROOT));
      o.put("rate", r.rate().name().toLowerCase(Locale.ROOT));
      putIfSet(
          o,
          "capacity_per_hour",
          r.capacityPerHour() == null ? null : r.capacityPerHour().toPlainString());
    }
    return out.toString();
  }

  /** Reads the canonical JSON back (what was stored for a version). */
  public static InfraRules fromCanonicalJson(String json) {
    return parse("{\"rules\": " + json + "}");
  }

  private static void putIfSet(ObjectNode o, String key, String value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  private static String digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
