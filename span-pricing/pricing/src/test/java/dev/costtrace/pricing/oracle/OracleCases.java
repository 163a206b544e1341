package dev.costtrace.pricing.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.pricing.TokenUsage;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cases the oracle test and the pricing benchmark run through both implementations: every model
 * of the bundled genai-prices catalog under each spelling it lists (its id, its {@code equals} and
 * {@code starts_with} ids), in several token mixes (plain, cache reads and writes, 1-hour cache
 * writes, reasoning, audio, and both sides of every long-context tier), at a base instant and on
 * both sides of every dated price change and daily price window.
 */
public final class OracleCases {
  /** The base instant: the date the measurement was made on. */
  public static final Instant BASE = Instant.parse("2025-11-24T12:00:00Z");

  /** Token mixes, disjoint classes; each also priced on both sides of a model's tiers. */
  static final Map<String, TokenUsage> MIXES = new LinkedHashMap<>();

  static {
    MIXES.put("plain", new TokenUsage(1000, 0, 0, 0, 100, 0, 0, 0));
    MIXES.put("cache", new TokenUsage(20_000, 20_000, 10_000, 0, 700, 300, 0, 0));
    MIXES.put("cache-1h", new TokenUsage(12_000, 0, 3_000, 5_000, 500, 0, 0, 0));
    MIXES.put("reasoning", new TokenUsage(2_000, 0, 0, 0, 2_000, 6_000, 0, 0));
    MIXES.put("audio", new TokenUsage(2_000, 0, 0, 0, 200, 0, 3_000, 200));
  }

  /** The mixes priced at every extra instant (price changes, daily windows). */
  private static final List<String> DATED_MIXES = List.of("plain", "cache");

  private OracleCases() {}

  /** Every case, in catalog order. */
  public static List<OracleCase> all() {
    JsonNode catalog = read("/dev/costtrace/pricing/catalog/genai-prices.json");
    JsonNode corrections = read("/dev/costtrace/pricing/catalog/corrections.json");
    Map<String, JsonNode> corrected = new LinkedHashMap<>();
    for (JsonNode c : corrections.get("corrections")) {
      corrected.put(
          c.get("provider").asText() + "/" + c.get("model").get("id").asText(), c.get("model"));
    }
    List<OracleCase> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (JsonNode p : catalog) {
      String provider = p.get("id").asText();
      for (JsonNode m : p.get("models")) {
        String id = m.get("id").asText();
        List<JsonNode> prices = new ArrayList<>(List.of(m.get("prices")));
        JsonNode ours = corrected.get(provider + "/" + id);
        if (ours != null) {
          prices.add(ours.get("prices"));
        }
        Set<LocalDate> days = new TreeSet<>(List.of(LocalDate.ofInstant(BASE, ZoneOffset.UTC)));
        Set<LocalTime> times = new TreeSet<>(List.of(LocalTime.ofInstant(BASE, ZoneOffset.UTC)));
        Set<Long> tiers = new TreeSet<>();
        for (JsonNode price : prices) {
          changes(price, days, times, tiers);
        }
        Set<Instant> instants = new TreeSet<>();
        for (LocalDate day : days) {
          for (LocalTime time : times) {
            instants.add(day.atTime(time).toInstant(ZoneOffset.UTC));
          }
        }
        for (String spelling : spellings(m)) {
          if (!seen.add(provider + "\u0001" + spelling)) {
            continue;
          }
          for (Instant at : instants) {
            for (Map.Entry<String, TokenUsage> mix : MIXES.entrySet()) {
              if (at.equals(BASE) || DATED_MIXES.contains(mix.getKey())) {
                out.add(new OracleCase(provider, id, spelling, mix.getKey(), at, mix.getValue()));
              }
            }
            if (!at.equals(BASE)) {
              continue;
            }
            for (long t : tiers) {
              out.add(new OracleCase(provider, id, spelling, "tier " + t, at, atTier(t)));
              out.add(
                  new OracleCase(provider, id, spelling, "tier " + t + "+1", at, atTier(t + 1)));
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Every id the catalog's rules name, as {@code provider/id}: the literal of each {@code equals},
   * {@code starts_with}, {@code ends_with} and {@code contains} clause.
   */
  public static Set<String> namedIds() {
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode p : read("/dev/costtrace/pricing/catalog/genai-prices.json")) {
      for (JsonNode m : p.get("models")) {
        Set<String> ids = new LinkedHashSet<>();
        allLiterals(m.get("match"), ids);
        ids.forEach(id -> out.add(p.get("id").asText() + "/" + id));
      }
    }
    return out;
  }

  private static void allLiterals(JsonNode rule, Set<String> out) {
    rule.properties()
        .forEach(
            e -> {
              if (e.getKey().equals("or") || e.getKey().equals("and")) {
                e.getValue().forEach(r -> allLiterals(r, out));
              } else if (!e.getKey().equals("regex")) {
                out.add(e.getValue().asText().toLowerCase(Locale.ROOT));
              }
            });
  }

  /** {@code total} input tokens, half of them cache reads, and 1000 output tokens. */
  private static TokenUsage atTier(long total) {
    return new TokenUsage(total - total / 2, total / 2, 0, 0, 1000, 0, 0, 0);
  }

  /** The model's id, and the ids its match rule names exactly or as a whole-id prefix. */
  private static Set<String> spellings(JsonNode model) {
    Set<String> out = new LinkedHashSet<>();
    out.add(model.get("id").asText().toLowerCase(Locale.ROOT));
    literals(model.get("match"), out);
    return out;
  }

  private static void literals(JsonNode rule, Set<String> out) {
    rule.properties()
        .forEach(
            e -> {
              switch (e.getKey()) {
                case "or", "and" -> e.getValue().forEach(r -> literals(r, out));
                case "equals" -> out.add(e.getValue().asText().toLowerCase(Locale.ROOT));
                case "starts_with" -> {
                  String s = e.getValue().asText().toLowerCase(Locale.ROOT);
                  if (!s.isEmpty() && "-_.@/:".indexOf(s.charAt(s.length() - 1)) < 0) {
                    out.add(s);
                  }
                }
                default -> {}
              }
            });
  }

  /**
   * The days on both sides of each dated change, the times on both sides of each daily window's
   * edges, and the tier starts of any class.
   */
  private static void changes(
      JsonNode prices, Set<LocalDate> days, Set<LocalTime> times, Set<Long> tiers) {
    List<JsonNode> sets = new ArrayList<>();
    if (prices.isArray()) {
      for (JsonNode cp : prices) {
        sets.add(cp.get("prices"));
        JsonNode c = cp.path("constraint");
        if (c.has("start_date")) {
          LocalDate day = LocalDate.parse(c.get("start_date").asText());
          days.add(day.minusDays(1));
          days.add(day);
        } else if (c.has("start_time")) {
          for (String t : List.of(c.get("start_time").asText(), c.get("end_time").asText())) {
            LocalTime edge =
                OffsetTime.parse(t.replace("Z", "+00:00"))
                    .withOffsetSameInstant(ZoneOffset.UTC)
                    .toLocalTime();
            times.add(edge);
            times.add(edge.minusSeconds(1));
          }
        }
      }
    } else {
      sets.add(prices);
    }
    for (JsonNode set : sets) {
      set.forEach(price -> price.path("tiers").forEach(t -> tiers.add(t.get("start").asLong())));
    }
  }

  private static JsonNode read(String resource) {
    try (InputStream in = OracleCases.class.getResourceAsStream(resource)) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One case.
   *
   * @param provider catalog provider id, sent as {@code gen_ai.provider.name}
   * @param modelId the catalog model the spelling comes from
   * @param model the model id sent, as the API would name it
   * @param mix the token mix's name
   * @param at when the call was made
   * @param usage the call's disjoint token classes
   */
  public record OracleCase(
      String provider, String modelId, String model, String mix, Instant at, TokenUsage usage) {

    /** The case for the reference. */
    public ReferencePrices.Case reference() {
      return new ReferencePrices.Case(provider, model, at, usage);
    }

    /** The span an instrumented app would export for this call (OTel GenAI attributes). */
    public Span span() {
      long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
      Span.Builder b =
          Span.newBuilder()
              .setName("chat " + model)
              .setStartTimeUnixNano(nanos)
              .setEndTimeUnixNano(nanos + 1_000_000_000L);
      attr(b, "gen_ai.operation.name", "chat");
      attr(b, "gen_ai.provider.name", provider);
      attr(b, "gen_ai.request.model", model);
      attr(b, "gen_ai.usage.input_tokens", usage.totalInput());
      attr(b, "gen_ai.usage.output_tokens", usage.totalOutput());
      attrIfPositive(b, "gen_ai.usage.cache_read.input_tokens", usage.cacheRead());
      attrIfPositive(b, "gen_ai.usage.cache_creation.input_tokens", usage.cacheWrite());
      attrIfPositive(
          b, "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens", usage.cacheWrite1h());
      attrIfPositive(b, "gen_ai.usage.reasoning.output_tokens", usage.reasoning());
      attrIfPositive(b, "gen_ai.usage.input_audio_tokens", usage.audioInput());
      attrIfPositive(b, "gen_ai.usage.output_audio_tokens", usage.audioOutput());
      return b.build();
    }

    private static void attr(Span.Builder b, String key, String value) {
      b.addAttributes(
          KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)));
    }

    private static void attr(Span.Builder b, String key, long value) {
      b.addAttributes(
          KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)));
    }

    private static void attrIfPositive(Span.Builder b, String key, long value) {
      if (value > 0) {
        attr(b, key, value);
      }
    }
  }
}
