package dev.costtrace.pricing.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogLoaderTest {
  private static List<ProviderEntry> parse(String json) {
    return CatalogLoader.parse(json.getBytes(StandardCharsets.UTF_8), "test.json");
  }

  private static String model(String match, String prices) {
    return "[{\"id\":\"p\",\"name\":\"P\",\"api_pattern\":\"x\",\"models\":[{\"id\":\"m\",\"match\":"
        + match
        + ",\"prices\":"
        + prices
        + "}]}]";
  }

  @Test
  void matchClausesCombine() {
    ProviderEntry p =
        parse(
                model(
                    "{\"and\":[{\"starts_with\":\"Foo-\"},{\"or\":[{\"ends_with\":\"-pro\"},{\"regex\":\"v\\\\d+$\"}]}]}",
                    "{\"input_mtok\":1}"))
            .get(0);
    assertThat(p.find("foo-pro")).isNotNull();
    assertThat(p.find("foo-v2")).isNotNull();
    assertThat(p.find("foo-lite")).isNull();
    assertThat(p.find("bar-pro")).isNull();
  }

  @Test
  void prefixesAndSubstringsStopAtAVersionNumber() {
    ProviderEntry p =
        parse(
                model(
                    "{\"or\":[{\"starts_with\":\"claude-opus-4\"},{\"contains\":\"mistral-large\"}]}",
                    "{\"input_mtok\":1}"))
            .get(0);
    // Snapshots, aliases and variants of the same version
    assertThat(p.find("claude-opus-4")).isNotNull();
    assertThat(p.find("claude-opus-4-20250514")).isNotNull();
    assertThat(p.find("claude-opus-4@20250514")).isNotNull();
    assertThat(p.find("claude-opus-4-latest")).isNotNull();
    assertThat(p.find("mistral.mistral-large-2402-v1:0")).isNotNull();
    assertThat(p.find("mistral-large-latest")).isNotNull();
    // Later versions: the next generation is not priced by this entry
    assertThat(p.find("claude-opus-4-6")).isNull();
    assertThat(p.find("claude-opus-4.6")).isNull();
    assertThat(p.find("claude-opus-41")).isNull();
    assertThat(p.find("claude-opus-4-1-20250805")).isNull();
    assertThat(p.find("mistral.mistral-large-3-675b-instruct")).isNull();
    assertThat(p.find("mistral-large-v2")).isNull();
  }

  @Test
  void versionTagsAfterADateAreRevisionsOfThatSnapshot() {
    ProviderEntry p =
        parse(
                model(
                    "{\"or\":[{\"contains\":\"claude-3-5-sonnet-20241022\"},{\"contains\":\"titan-embed-text\"}]}",
                    "{\"input_mtok\":1}"))
            .get(0);
    assertThat(p.find("us.anthropic.claude-3-5-sonnet-20241022-v2:0")).isNotNull();
    assertThat(p.find("amazon.titan-embed-text-v1")).isNotNull();
    assertThat(p.find("amazon.titan-embed-text-v2:0")).isNull();
  }

  @Test
  void sizesAndWordsAfterAVersionAreVariantsNotVersions() {
    ProviderEntry p = parse(model("{\"starts_with\":\"llama-3\"}", "{\"input_mtok\":1}")).get(0);
    assertThat(p.find("llama-3-70b-instruct")).isNotNull();
    assertThat(p.find("llama-3-instruct")).isNotNull();
    assertThat(p.find("llama-3.1-70b-instruct")).isNull();
    assertThat(p.find("llama-31")).isNull();
    assertThat(p.find("llama-3o")).isNull();
  }

  @Test
  void overridesAreTheUsersOwnPrefixes() {
    PriceOverrides o =
        PriceOverrides.parse(
            ("{\"models\":[{\"match\":{\"starts_with\":\"llama3\"},"
                    + "\"prices\":{\"input_mtok\":0.05}}]}")
                .getBytes(StandardCharsets.UTF_8),
            "o.json");
    assertThat(o.find("", "ollama", List.of("llama3.1:8b"))).isNotNull();
  }

  @Test
  void regexIsCaseSensitiveAsInTheReference() {
    ProviderEntry p = parse(model("{\"regex\":\"^GLM-\"}", "{\"input_mtok\":1}")).get(0);
    assertThat(p.find("glm-4")).isNull();
  }

  @Test
  void timeWindowsWithOffsetsAreReadInUtc() {
    ModelEntry m =
        parse(
                model(
                    "{\"equals\":\"m\"}",
                    "[{\"prices\":{\"input_mtok\":1}},{\"constraint\":{\"start_time\":\"02:30:00+02:00\","
                        + "\"end_time\":\"18:30:00+02:00\",\"type\":\"time_of_date\"},\"prices\":{\"input_mtok\":2}}]"))
            .get(0)
            .models()
            .get(0);
    assertThat(m.pricesAt(Instant.parse("2025-01-01T00:30:00Z")).prices().input().base())
        .isEqualByComparingTo("2");
    assertThat(m.pricesAt(Instant.parse("2025-01-01T00:29:59Z")).prices().input().base())
        .isEqualByComparingTo("1");
  }

  @Test
  void pricesAreExactDecimals() {
    ModelEntry m =
        parse(model("{\"equals\":\"m\"}", "{\"input_mtok\":0.1,\"output_mtok\":0.3}"))
            .get(0)
            .models()
            .get(0);
    assertThat(m.pricesAt(Instant.EPOCH).prices().input().base()).isEqualByComparingTo("0.1");
    assertThat(m.pricesAt(Instant.EPOCH).prices().output().base().toPlainString()).isEqualTo("0.3");
  }

  @Test
  void tiersAreCliffs() {
    Price price =
        parse(
                model(
                    "{\"equals\":\"m\"}",
                    "{\"input_mtok\":{\"base\":1,\"tiers\":[{\"start\":100,\"price\":2},{\"start\":200,\"price\":3}]}}"))
            .get(0)
            .models()
            .get(0)
            .prices()
            .get(0)
            .prices()
            .input();
    assertThat(price.rate(100)).isEqualByComparingTo("1");
    assertThat(price.rate(101)).isEqualByComparingTo("2");
    assertThat(price.rate(201)).isEqualByComparingTo("3");
  }

  @Test
  void datedPricesLastMatchingWinsFirstIsFallback() {
    ModelEntry m =
        parse(
                model(
                    "{\"equals\":\"m\"}",
                    "[{\"prices\":{\"input_mtok\":1}},{\"constraint\":{\"start_date\":\"2025-01-01\"},"
                        + "\"prices\":{\"input_mtok\":2}},{\"constraint\":{\"start_date\":\"2025-06-01\"},"
                        + "\"prices\":{\"input_mtok\":3}}]"))
            .get(0)
            .models()
            .get(0);
    assertThat(m.pricesAt(Instant.parse("2024-12-31T23:59:59Z")).prices().input().base())
        .isEqualByComparingTo("1");
    assertThat(m.pricesAt(Instant.parse("2025-01-01T00:00:00Z")).prices().input().base())
        .isEqualByComparingTo("2");
    assertThat(m.pricesAt(Instant.parse("2026-01-01T00:00:00Z")).prices().input().base())
        .isEqualByComparingTo("3");
  }

  @Test
  void notAnArray() {
    assertThatThrownBy(() -> parse("{}"))
        .hasMessage("test.json: expected a JSON array of providers at $");
  }

  @Test
  void missingModelsNamesThePath() {
    assertThatThrownBy(() -> parse("[{\"id\":\"p\"}]"))
        .hasMessage("test.json: $[0].models: expected an array");
  }

  @Test
  void stringPriceIsRejected() {
    assertThatThrownBy(() -> parse(model("{\"equals\":\"m\"}", "{\"input_mtok\":\"cheap\"}")))
        .hasMessage(
            "test.json: $[0].models[0].prices.input_mtok: expected a number or"
                + " {\"base\": …, \"tiers\": […]}, got \"cheap\"");
  }

  @Test
  void badRegexIsRejected() {
    assertThatThrownBy(() -> parse(model("{\"regex\":\"(\"}", "{\"input_mtok\":1}")))
        .hasMessageStartingWith("test.json: $[0].models[0].match.regex: ");
  }

  @Test
  void descendingTiersAreRejected() {
    assertThatThrownBy(
            () ->
                parse(
                    model(
                        "{\"equals\":\"m\"}",
                        "{\"input_mtok\":{\"base\":1,\"tiers\":[{\"start\":200,\"price\":2},{\"start\":100,\"price\":3}]}}")))
        .hasMessage(
            "test.json: $[0].models[0].prices.input_mtok.tiers[1].start: tiers must ascend");
  }

  @Test
  void badStartDateIsRejected() {
    assertThatThrownBy(
            () ->
                parse(
                    model(
                        "{\"equals\":\"m\"}",
                        "[{\"constraint\":{\"start_date\":\"soon\"},\"prices\":{\"input_mtok\":1}}]")))
        .hasMessageStartingWith("test.json: $[0].models[0].prices[0].constraint: bad date or time");
  }
}
