package dev.costtrace.pricing.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costtrace.pricing.catalog.Corrections.Correction;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The bundled catalog: the generated genai-prices layer is whole and from the pinned version, and
 * every correction on top of it says where its prices come from and why, and changes something.
 * That the generated layer prices like the reference is {@code ReferenceOracleTest}'s job.
 */
class BundledCatalogTest {
  private static final List<ProviderEntry> GENERATED =
      CatalogLoader.parse(PriceCatalogSource.bundledCatalog(), "genai-prices.json");

  @Test
  void generatedLayerHasEveryModelOfThePinnedVersion() throws IOException {
    Properties generated = new Properties();
    try (InputStream in = getClass().getResourceAsStream("genai-prices.properties")) {
      generated.load(in);
    }
    assertThat(GENERATED).hasSize(Integer.parseInt(generated.getProperty("providers")));
    assertThat(GENERATED.stream().mapToInt(p -> p.models().size()).sum())
        .isEqualTo(Integer.parseInt(generated.getProperty("models")));
    JsonNode pinned;
    try (InputStream in =
        getClass().getResourceAsStream("/dev/costtrace/pricing/oracle/package.json")) {
      pinned = CatalogLoader.JSON.readTree(in);
    }
    assertThat(pinned.at("/dependencies/@pydantic~1genai-prices").asText())
        .as(
            "genai-prices/package.json pins another version than genai-prices.json was generated"
                + " from: run generate.mjs")
        .isEqualTo(generated.getProperty("version"));
    assertThat(generated.getProperty("license")).isEqualTo("MIT");
  }

  @Test
  void everyCorrectionSaysWhereFromAndWhyAndChangesSomething() {
    Map<String, ProviderEntry> base = new HashMap<>();
    GENERATED.forEach(p -> base.put(p.id(), p));
    List<Correction> corrections = PriceCatalogSource.bundledCorrections().entries();
    assertThat(corrections).isNotEmpty();
    for (Correction c : corrections) {
      String id = c.provider() + "/" + c.model().id();
      assertThat(c.source()).as(id).startsWith("https://");
      assertThat(c.reason()).as(id).hasSizeGreaterThan(40);
      assertThat(base).as(id).containsKey(c.provider());
      ModelEntry upstream =
          base.get(c.provider()).models().stream()
              .filter(m -> m.id().equals(c.model().id()))
              .findFirst()
              .orElse(null);
      if (upstream != null) {
        assertThat(c.model().prices())
            .as(id + " corrects nothing: remove it")
            .isNotEqualTo(upstream.prices());
      }
    }
  }

  @Test
  void aCorrectionMustNameItsSource() {
    String json =
        "{\"corrections\":[{\"provider\":\"openai\",\"reason\":\"because\",\"model\":"
            + "{\"id\":\"x\",\"match\":{\"equals\":\"x\"},\"prices\":{\"input_mtok\":1}}}]}";
    assertThatThrownBy(() -> Corrections.parse(json.getBytes(StandardCharsets.UTF_8), "c.json"))
        .isInstanceOf(CatalogException.class)
        .hasMessage("c.json: $.corrections[0].source: required string");
  }

  @Test
  void aCorrectionOfAProviderTheBaseLacksIsLeftOut() {
    String json =
        "{\"corrections\":[{\"provider\":\"acme\",\"source\":\"https://acme.example\","
            + "\"reason\":\"because\",\"model\":{\"id\":\"x\",\"match\":{\"equals\":\"x\"},"
            + "\"prices\":{\"input_mtok\":1}}}]}";
    Corrections c = Corrections.parse(json.getBytes(StandardCharsets.UTF_8), "c.json");
    assertThat(c.layerOver(GENERATED)).isEmpty();
  }

  @Test
  void correctionsReplaceUpstreamModelsWhereTheyStand() {
    List<ProviderEntry> layered =
        PriceCatalog.layer(
            List.of(GENERATED, PriceCatalogSource.bundledCorrections().layerOver(GENERATED)));
    ProviderEntry upstream =
        GENERATED.stream().filter(p -> p.id().equals("deepseek")).findFirst().orElseThrow();
    ProviderEntry corrected =
        layered.stream().filter(p -> p.id().equals("deepseek")).findFirst().orElseThrow();
    assertThat(corrected.models())
        .extracting(ModelEntry::id)
        .containsExactlyElementsOf(upstream.models().stream().map(ModelEntry::id).toList());
    assertThat(corrected.find("deepseek-chat").source()).isEqualTo("corrections.json");
    // The base layer's providers keep their order: it decides which provider a bare model id
    // is inferred to belong to.
    assertThat(layered)
        .extracting(ProviderEntry::id)
        .containsExactlyElementsOf(GENERATED.stream().map(ProviderEntry::id).toList());
  }
}
