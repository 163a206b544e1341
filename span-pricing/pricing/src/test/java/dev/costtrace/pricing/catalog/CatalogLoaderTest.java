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
        + match + ",\"prices\":" + prices + "}]}]";
  }

  @Test
  void matchClausesCombine() {
    ProviderEntry p = parse(model(
        "{\"and\":[{\"starts_with\":\"Foo\"},{\"or\":[{\"ends_with\":\"-pro\"},{\"regex\":\"v\\\\d+$\"}]}]}",
        "{\"input_mtok\":1}")).get(0);
    assertThat(p.find("foo-pro")).isNotNull();
    assertThat(p.find("foo-v2")).isNotNull();
    assertThat(p.find("foo-lite")).isNull();
    assertThat(p.find("bar-pro")).isNull();
  }

  @Test
  void pricesAreExactDecimals() {
    ModelEntry m = parse(model("{\"equals\":\"m\"}", "{\"input_mtok\":0.1,\"output_mtok\":0.3}"))
        .get(0).models().get(0);
    assertThat(m.pricesAt(Instant.EPOCH).prices().input().base()).isEqualByComparingTo("0.1");
    assertThat(m.pricesAt(Instant.EPOCH).prices().output().base().toPlainString()).isEqualTo("0.3");
  }

  @Test
  void tiersAreCliffs() {
    Price price = parse(model("{\"equals\":\"m\"}",
        "{\"input_mtok\":{\"base\":1,\"tiers\":[{\"start\":100,\"price\":2},{\"start\":200,\"price\":3}]}}"))
        .get(0).models().get(0).prices().get(0).prices().input();
    assertThat(price.rate(100)).isEqualByComparingTo("1");
    assertThat(price.rate(101)).isEqualByComparingTo("2");
    assertThat(price.rate(201)).isEqualByComparingTo("3");
  }

  @Test
  void datedPricesLastMatchingWinsFirstIsFallback() {
    ModelEntry m = parse(model("{\"equals\":\"m\"}",
        "[{\"prices\":{\"input_mtok\":1}},{\"constraint\":{\"start_date\":\"2025-01-01\"},"
            + "\"prices\":{\"input_mtok\":2}},{\"constraint\":{\"start_date\":\"2025-06-01\"},"
            + "\"prices\":{\"input_mtok\":3}}]")).get(0).models().get(0);
    assertThat(m.pricesAt(Instant.parse("2024-12-31T23:59:59Z")).prices().input().base()).isEqualByComparingTo("1");
    assertThat(m.pricesAt(Instant.parse("2025-01-01T00:00:00Z")).prices().input().base()).isEqualByComparingTo("2");
    assertThat(m.pricesAt(Instant.parse("2026-01-01T00:00:00Z")).prices().input().base()).isEqualByComparingTo("3");
  }

  @Test
  void notAnArray() {
    assertThatThrownBy(() -> parse("{}")).hasMessage("test.json: expected a JSON array of providers at $");
  }

  @Test
  void missingModelsNamesThePath() {
    assertThatThrownBy(() -> parse("[{\"id\":\"p\"}]")).hasMessage("test.json: $[0].models: expected an array");
  }

  @Test
  void stringPriceIsRejected() {
    assertThatThrownBy(() -> parse(model("{\"equals\":\"m\"}", "{\"input_mtok\":\"cheap\"}")))
        .hasMessage("test.json: $[0].models[0].prices.input_mtok: expected a number or"
            + " {\"base\": …, \"tiers\": […]}, got \"cheap\"");
  }

  @Test
  void badRegexIsRejected() {
    assertThatThrownBy(() -> parse(model("{\"regex\":\"(\"}", "{\"input_mtok\":1}")))
        .hasMessageStartingWith("test.json: $[0].models[0].match.regex: ");
  }

  @Test
  void descendingTiersAreRejected() {
    assertThatThrownBy(() -> parse(model("{\"equals\":\"m\"}",
        "{\"input_mtok\":{\"base\":1,\"tiers\":[{\"start\":200,\"price\":2},{\"start\":100,\"price\":3}]}}")))
        .hasMessage("test.json: $[0].models[0].prices.input_mtok.tiers[1].start: tiers must ascend");
  }

  @Test
  void badStartDateIsRejected() {
    assertThatThrownBy(() -> parse(model("{\"equals\":\"m\"}",
        "[{\"constraint\":{\"start_date\":\"soon\"},\"prices\":{\"input_mtok\":1}}]")))
        .hasMessageStartingWith("test.json: $[0].models[0].prices[0].constraint: bad date or time");
  }
}
