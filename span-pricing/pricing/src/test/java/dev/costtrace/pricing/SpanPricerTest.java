package dev.costtrace.pricing;

import static dev.costtrace.pricing.Attrs.span;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.pricing.catalog.PriceCatalogSource;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-checked prices: every expected number below was computed by hand from the catalog. */
class SpanPricerTest {
  private static final String NOW = "2026-11-01T12:00:00Z";
  private static final SpanPricer pricer = SpanPricer.builder().build();

  private PricedSpan price(Object... kv) {
    return pricer.price(span(NOW, kv), List.of());
  }

  private PricedSpan priceAt(String at, Object... kv) {
    return pricer.price(span(at, kv), List.of());
  }

  private static void assertUsd(BigDecimal actual, String expected) {
    assertThat(actual).isEqualByComparingTo(expected);
    assertThat(actual.scale()).isEqualTo(CostBreakdown.SCALE);
  }

  @Test
  void plainChat() {
    // 1000 × 2.50 + 500 × 10.00 per million
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            500);
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertUsd(p.total(), "0.0075");
    assertThat(p.priceEntry()).isEqualTo("openai/gpt-4o");
    assertThat(p.reason()).startsWith("priced with openai/gpt-4o (base)");
    assertThat(p.catalogVersion()).startsWith("bundled@");
  }

  @Test
  void openAiCachedInputIsPartOfInputTokens() {
    // OTel: 12000 input includes 8000 cached. 4000 × 2.50 + 8000 × 1.25 + 900 × 10
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.response.model",
            "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens",
            12000,
            "gen_ai.usage.cache_read.input_tokens",
            8000,
            "gen_ai.usage.output_tokens",
            900);
    assertThat(p.span().usage().uncachedInput()).isEqualTo(4000);
    assertUsd(p.cost().input(), "0.01");
    assertUsd(p.cost().cacheRead(), "0.01");
    assertUsd(p.cost().output(), "0.009");
    assertUsd(p.total(), "0.029");
  }

  @Test
  void anthropicViaOtelInputIncludesCacheReadAndWrite() {
    // 10000 input = 2000 uncached + 6000 read + 2000 write.
    // 2000 × 3 + 6000 × 0.30 + 2000 × 3.75 + 1000 × 15
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens",
            10000,
            "gen_ai.usage.cache_read.input_tokens",
            6000,
            "gen_ai.usage.cache_creation.input_tokens",
            2000,
            "gen_ai.usage.output_tokens",
            1000);
    assertUsd(p.cost().input(), "0.006");
    assertUsd(p.cost().cacheRead(), "0.0018");
    assertUsd(p.cost().cacheWrite(), "0.0075");
    assertUsd(p.total(), "0.0303");
  }

  @Test
  void anthropicRawInputFromLangChain4jExcludesCache() {
    // LangChain4j passes Anthropic's own input_tokens (2000, excluding the cache classes).
    PricedSpan p =
        price(
            "gen_ai.system",
            "anthropic",
            "gen_ai.request.model",
            "claude-sonnet-4-5-20250929",
            "input_tokens",
            2000,
            "gen_ai.usage.cache_read.input_tokens",
            6000,
            "gen_ai.usage.cache_creation.input_tokens",
            2000,
            "output_tokens",
            1000);
    assertThat(p.span().usage().uncachedInput()).isEqualTo(2000);
    assertUsd(p.total(), "0.0303");
  }

  @Test
  void longContextTierAppliesToAllTokensAboveThreshold() {
    // 250000 > 200000: 250000 × 6 + 2000 × 22.50
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens",
            250000,
            "gen_ai.usage.output_tokens",
            2000);
    assertUsd(p.total(), "1.545");
    assertThat(p.pricesApplied()).contains("long-context tier (250000 input tokens)");
  }

  @Test
  void exactlyAtTierThresholdStaysBase() {
    // 200000 × 3 + 1000 × 15
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens",
            200000,
            "gen_ai.usage.output_tokens",
            1000);
    assertUsd(p.total(), "0.615");
  }

  @Test
  void cacheTokensCountTowardsTheTierThreshold() {
    // 150000 read + 60000 uncached = 210000 > 200000: 60000 × 6 + 150000 × 0.60
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-sonnet-4",
            "gen_ai.usage.input_tokens",
            210000,
            "gen_ai.usage.cache_read.input_tokens",
            150000,
            "gen_ai.usage.output_tokens",
            0);
    assertUsd(p.total(), "0.45");
  }

  @Test
  void geminiLongContextTier() {
    // 300000 × 2.50 + 1000 × 15
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "gcp.gemini",
            "gen_ai.request.model",
            "gemini-2.5-pro",
            "gen_ai.usage.input_tokens",
            300000,
            "gen_ai.usage.output_tokens",
            1000);
    assertUsd(p.total(), "0.765");
  }

  @Test
  void reasoningIsPricedAsOutputAndNotTwice() {
    // 5000 output includes 4000 reasoning: 1000 × 1.10 + 1000 × 4.40 + 4000 × 4.40
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "o4-mini",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            5000,
            "gen_ai.usage.reasoning.output_tokens",
            4000);
    assertUsd(p.cost().output(), "0.0044");
    assertUsd(p.cost().reasoning(), "0.0176");
    assertUsd(p.total(), "0.0231");
  }

  @Test
  void geminiStyleOutputExcludingThinkingIsNotNegative() {
    // output 100 visible, 500 thinking reported beside it: 100 × 2.50 + 500 × 2.50
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "gcp.gemini",
            "gen_ai.request.model",
            "gemini-2.5-flash",
            "gen_ai.usage.input_tokens",
            0,
            "gen_ai.usage.output_tokens",
            100,
            "gen_ai.usage.reasoning.output_tokens",
            500);
    assertThat(p.span().usage().output()).isEqualTo(100);
    assertUsd(p.total(), "0.0015");
  }

  @Test
  void priceInEffectAtSpanStartBeforeChange() {
    // o3 before 2025-06-10: 1M × 10
    PricedSpan p =
        priceAt(
            "2025-06-09T23:59:59Z",
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "o3",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertUsd(p.total(), "10");
    assertThat(p.pricesApplied()).isEqualTo("base");
  }

  @Test
  void priceInEffectAtSpanStartAfterChange() {
    PricedSpan p =
        priceAt(
            "2025-06-10T00:00:00Z",
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "o3-2025-04-16",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertUsd(p.total(), "2");
    assertThat(p.pricesApplied()).isEqualTo("prices from 2025-06-10");
  }

  @Test
  void deepSeekOffPeakWindowThenTwoDatedPrices() {
    Object[] usage = {
      "gen_ai.system",
      "deepseek",
      "gen_ai.request.model",
      "deepseek-chat",
      "gen_ai.usage.input_tokens",
      1_000_000,
      "gen_ai.usage.output_tokens",
      1_000_000
    };
    assertUsd(priceAt("2025-03-01T12:00:00Z", usage).total(), "1.37"); // 0.27 + 1.10
    assertUsd(priceAt("2025-03-01T20:00:00Z", usage).total(), "0.685"); // off-peak, half
    assertUsd(priceAt("2025-09-10T20:00:00Z", usage).total(), "2.24"); // V3.1, no off-peak
    PricedSpan v32 = priceAt("2025-10-01T20:00:00Z", usage);
    assertUsd(v32.total(), "0.70");
    assertThat(v32.pricesApplied()).isEqualTo("prices from 2025-09-29");
  }

  @Test
  void batchTierHalvesTokenPrices() {
    // (1M × 2.50 + 1M × 10) × 0.5
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "gen_ai.usage.output_tokens",
            1_000_000,
            "openai.response.service_tier",
            "batch");
    assertUsd(p.total(), "6.25");
    assertThat(p.pricesApplied()).contains("batch tier ×0.5");
  }

  @Test
  void flexTier() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "o3",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "openai.response.service_tier",
            "flex");
    assertUsd(p.total(), "1");
  }

  @Test
  void priorityTierByModelFamily() {
    PricedSpan gpt5 =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-5",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "openai.response.service_tier",
            "priority");
    PricedSpan gpt41 =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4.1",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "openai.response.service_tier",
            "priority");
    assertUsd(gpt5.total(), "2.5");
    assertUsd(gpt41.total(), "3.5");
  }

  @Test
  void unknownServiceTierIsStandardAndSaidSo() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-haiku-4-5",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "anthropic.response.service_tier",
            "priority");
    assertUsd(p.total(), "1");
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertThat(p.reason()).contains("no known price for service tier 'priority'");
  }

  @Test
  void oneHourCacheWritesAtTheirOwnPrice() {
    // 1M 1-hour writes of Haiku 4.5 at 2.00 + 1M 5-minute writes at 1.25
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-haiku-4-5",
            "gen_ai.usage.input_tokens",
            2_000_000,
            "gen_ai.usage.cache_creation.input_tokens",
            2_000_000,
            "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens",
            1_000_000);
    assertThat(p.span().usage().cacheWrite5m()).isEqualTo(1_000_000);
    assertUsd(p.cost().cacheWrite(), "3.25");
    assertUsd(p.total(), "3.25");
  }

  @Test
  void registeredToolPerCall() {
    PricedSpan p = price("gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", "web_search");
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertUsd(p.cost().tool(), "0.01");
    assertThat(p.priceEntry()).isEqualTo("tool/web_search");
  }

  @Test
  void unregisteredToolIsReportedNotZeroPriced() {
    PricedSpan p =
        price("gen_ai.operation.name", "execute_tool", "gen_ai.tool.name", "get_weather");
    assertThat(p.status()).isEqualTo(PricingStatus.UNREGISTERED_TOOL);
    assertThat(p.reason()).isEqualTo("tool 'get_weather' has no entry in the tool cost registry");
  }

  @Test
  void toolPerUnitFromUserFile(@TempDir Path dir) throws IOException {
    Path tools = dir.resolve("tools.json");
    Files.writeString(
        tools,
        "{\"tools\":[{\"name\":\"ocr\",\"per_call_usd\":0.001,"
            + "\"per_unit_usd\":0.0015,\"unit\":\"page\"}]}");
    try (SpanPricer custom =
        SpanPricer.builder()
            .source(PriceCatalogSource.builder().addToolFile(tools).build())
            .build()) {
      PricedSpan p =
          custom.price(
              span(
                  NOW,
                  "gen_ai.operation.name",
                  "execute_tool",
                  "gen_ai.tool.name",
                  "ocr",
                  "costtrace.tool.units",
                  12),
              List.of());
      // 0.001 + 12 × 0.0015
      assertUsd(p.total(), "0.019");
      assertThat(p.catalogVersion()).startsWith("bundled+user@");
    }
  }

  @Test
  void embeddings() {
    PricedSpan p =
        price(
            "gen_ai.operation.name",
            "embeddings",
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "text-embedding-3-small",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertUsd(p.total(), "0.02");
  }

  @Test
  void audioInput() {
    // 1M audio tokens of 1.2M input: 200k text × 0.10 + 1M audio × 0.70
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "gcp.gemini",
            "gen_ai.request.model",
            "gemini-2.0-flash",
            "gen_ai.usage.input_tokens",
            1_200_000,
            "gen_ai.usage.input_audio_tokens",
            1_000_000);
    assertUsd(p.total(), "0.72");
  }

  @Test
  void unknownModelIsNotZero() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-9-ultra",
            "gen_ai.usage.input_tokens",
            10,
            "gen_ai.usage.output_tokens",
            10);
    assertThat(p.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
    assertThat(p.reason())
        .startsWith("no price for model 'gpt-9-ultra' of provider 'openai' in catalog bundled@");
  }

  @Test
  void cacheReadWithoutItsOwnPriceIsBilledAsInput() {
    // gpt-4 lists no cache price; OpenAI bills such tokens as input: 1500 × 30
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4",
            "gen_ai.usage.input_tokens",
            1500,
            "gen_ai.usage.cache_read.input_tokens",
            500);
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertThat(p.reason())
        .isEqualTo("priced with openai/gpt-4 (base); cache read (500 tokens) at the input rate");
    assertUsd(p.total(), "0.045");
  }

  @Test
  void cacheWritesOfAnOpenAiModelAreInputAsOnTheBill() {
    // The issue's example: 50,000 input of which 20,000 cache writes, 1,000 output:
    // 30,000 × 2.50 + 20,000 × 2.50 + 1,000 × 10 = 0.135, as the reference and OpenAI's bill say.
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            50_000,
            "gen_ai.usage.cache_creation.input_tokens",
            20_000,
            "gen_ai.usage.output_tokens",
            1_000);
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertUsd(p.cost().cacheWrite(), "0.05");
    assertUsd(p.total(), "0.135");
    assertThat(p.reason()).contains("cache write (20000 tokens) at the input rate");
  }

  @Test
  void outputOfAnEmbeddingModelIsNotBilled() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "azure.ai.openai",
            "gen_ai.operation.name",
            "embeddings",
            "gen_ai.request.model",
            "text-embedding-3-small",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "gen_ai.usage.output_tokens",
            10);
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertThat(p.priceEntry()).isEqualTo("azure/text-embedding-3-small");
    assertUsd(p.total(), "0.02");
    assertThat(p.reason()).contains("10 output tokens not billed: the model lists no output price");
  }

  @Test
  void partialOnlyWhenTokensCannotBePriced() {
    // whisper-1 is billed per audio hour; tokens have no rate at all
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "whisper-1",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            10);
    assertThat(p.status()).isEqualTo(PricingStatus.PARTIAL);
    assertThat(p.reason())
        .startsWith("no price for input (1000 tokens), output (10 tokens) in openai/whisper-1");
    assertUsd(p.total(), "0");
  }

  @Test
  void aFreeVariantCostsNothingAndSaysSo() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openrouter",
            "gen_ai.request.model",
            "meta-llama/llama-3.3-70b-instruct:free",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            100);
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertThat(p.priceEntry()).isEqualTo("openrouter/meta-llama/llama-3.3-70b-instruct:free");
    assertUsd(p.total(), "0");
    assertThat(p.reason()).contains("the model is listed without prices: no charge");
  }

  @Test
  void theNextOpusIsUnknownNotPricedAsAnOlderOne() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-opus-4-9-20270101",
            "gen_ai.usage.input_tokens",
            1000);
    assertThat(p.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
    assertThat(p.reason())
        .startsWith("no price for model 'claude-opus-4-9-20270101' of provider 'anthropic'");
    PricedSpan bedrock =
        price(
            "gen_ai.system",
            "aws.bedrock",
            "gen_ai.request.model",
            "us.anthropic.claude-opus-4-9-v1:0",
            "gen_ai.usage.input_tokens",
            1000);
    assertThat(bedrock.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
  }

  @Test
  void opus46HasItsOwnPriceNotOpus41s() {
    // 1000 × 5 + 100 × 25, a third of Opus 4.1's 15 / 75
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.request.model",
            "claude-opus-4-6",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            100);
    assertThat(p.priceEntry()).isEqualTo("anthropic/claude-opus-4-6");
    assertUsd(p.total(), "0.0075");
  }

  @Test
  void aProviderTheCatalogDoesNotKnowPricesNothing() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "hyperbolic",
            "gen_ai.request.model",
            "deepseek-ai/DeepSeek-R1",
            "gen_ai.usage.input_tokens",
            1000);
    assertThat(p.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
    assertThat(p.reason()).startsWith("provider 'hyperbolic' is not in catalog bundled@");
  }

  @Test
  void aModelServedByAnotherProviderHasThatProvidersPrice() {
    // DeepSeek R1 on Hugging Face's Hyperbolic route: 1000 × 2 + 100 × 2, not DeepSeek's own price
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "huggingface_hyperbolic",
            "gen_ai.request.model",
            "deepseek-ai/DeepSeek-R1",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            100);
    assertThat(p.priceEntry()).isEqualTo("huggingface_hyperbolic/deepseek-ai/DeepSeek-R1");
    assertUsd(p.total(), "0.0022");
  }

  @Test
  void vertexServesClaudeAtAnthropicsListPrice() {
    PricedSpan p =
        price(
            "gen_ai.system",
            "gcp.vertex_ai",
            "gen_ai.request.model",
            "claude-haiku-4-5@20251001",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertThat(p.priceEntry()).isEqualTo("anthropic/claude-haiku-4-5");
    assertThat(p.reason())
        .contains("priced at anthropic's list price, which google charges for anthropic's models");
    assertUsd(p.total(), "1");
  }

  @Test
  void claudeOneHourCacheWritesOnBedrockAtTwiceInput() {
    // Bedrock lists no 1-hour price for Sonnet 4.5: 1M × 3.30 × 2 (regional endpoint)
    PricedSpan p =
        price(
            "gen_ai.system",
            "aws.bedrock",
            "gen_ai.request.model",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "gen_ai.usage.cache_creation.input_tokens",
            1_000_000,
            "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens",
            1_000_000);
    assertUsd(p.total(), "6.6");
    assertThat(p.reason()).contains("1-hour cache write (1000000 tokens) at twice the input rate");
  }

  @Test
  void bedrockCrossRegionProfileUsesBedrocksOwnEntry() {
    PricedSpan p =
        price(
            "gen_ai.system",
            "aws.bedrock",
            "gen_ai.request.model",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertThat(p.priceEntry()).isEqualTo("aws/regional.anthropic.claude-3-5-sonnet-20241022-v2:0");
    assertUsd(p.total(), "3");
  }

  @Test
  void bedrockArnAndLlama() {
    PricedSpan p =
        price(
            "gen_ai.system",
            "aws.bedrock",
            "gen_ai.request.model",
            "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-1-70b-instruct-v1:0",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "gen_ai.usage.output_tokens",
            1_000_000);
    assertThat(p.priceEntry()).isEqualTo("aws/meta.llama3-1-70b-instruct-v1:0");
    assertUsd(p.total(), "1.44");
  }

  @Test
  void openRouterModelsHaveOpenRoutersPrices() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openrouter",
            "gen_ai.request.model",
            "anthropic/claude-sonnet-4.5",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            1000);
    assertThat(p.priceEntry()).isEqualTo("openrouter/anthropic/claude-sonnet-4.5");
    assertUsd(p.total(), "0.018");
  }

  @Test
  void storedUsageWithoutASpan() {
    // Repricing and budget estimates have provider, model, usage and time only.
    PricedSpan p =
        pricer.priceUsage(
            "aws.bedrock",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            TokenUsage.fromOtelTotals(1_000_000, 0, 0, 0, 0),
            java.time.Instant.parse(NOW),
            "batch",
            "");
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertUsd(p.total(), "1.5"); // 3 × the batch tier's 0.5
    assertThat(p.span().provider()).isEqualTo("aws");
  }

  @Test
  void providerPrefixWithoutProviderAttribute() {
    PricedSpan p =
        price("gen_ai.request.model", "openai/gpt-4o-mini", "gen_ai.usage.input_tokens", 1_000_000);
    assertThat(p.priceEntry()).isEqualTo("openai/gpt-4o-mini");
    assertThat(p.provider()).isEqualTo("openai");
    assertUsd(p.total(), "0.15");
  }

  @Test
  void azureDeploymentNameThroughUserMapping() {
    SpanPricer azure = SpanPricer.builder().azureDeployments(Map.of("prod-chat", "gpt-4o")).build();
    PricedSpan p =
        azure.price(
            span(
                NOW,
                "gen_ai.provider.name",
                "azure.ai.openai",
                "gen_ai.request.model",
                "prod-chat",
                "gen_ai.usage.input_tokens",
                1_000_000),
            List.of());
    assertThat(p.priceEntry()).isEqualTo("openai/gpt-4o");
    assertUsd(p.total(), "2.5");
    PricedSpan unmapped =
        pricer.price(
            span(
                NOW,
                "gen_ai.provider.name",
                "azure.ai.openai",
                "gen_ai.request.model",
                "prod-chat",
                "gen_ai.usage.input_tokens",
                10),
            List.of());
    assertThat(unmapped.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
  }

  @Test
  void responseModelWinsOverRequestModel() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.response.model",
            "gpt-4o-mini-2024-07-18",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertThat(p.priceEntry()).isEqualTo("openai/gpt-4o-mini");
  }

  @Test
  void datedSnapshotWithItsOwnPrice() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.response.model",
            "gpt-4o-2024-05-13",
            "gen_ai.usage.input_tokens",
            1_000_000,
            "gen_ai.usage.output_tokens",
            1_000_000);
    assertUsd(p.total(), "20");
  }

  @Test
  void selfHostedNeedsAnOverride(@TempDir Path dir) throws IOException {
    Object[] span = {
      "gen_ai.provider.name",
      "ollama",
      "gen_ai.request.model",
      "llama3.1:8b",
      "gen_ai.usage.input_tokens",
      1_000_000,
      "gen_ai.usage.output_tokens",
      1_000_000
    };
    PricedSpan listed = price(span);
    assertThat(listed.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
    assertThat(listed.reason()).contains("'ollama' is self-hosted");
    Path overrides = dir.resolve("overrides.json");
    Files.writeString(
        overrides,
        "{\"models\":[{\"provider\":\"ollama\",\"match\":{\"starts_with\":\"llama3\"},"
            + "\"prices\":{\"input_mtok\":0.05,\"output_mtok\":0.05},\"note\":\"GPU hours\"}]}");
    try (SpanPricer own =
        SpanPricer.builder()
            .source(PriceCatalogSource.builder().overridesFile(overrides).build())
            .build()) {
      PricedSpan p = own.price(span(NOW, span), List.of());
      assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
      assertUsd(p.total(), "0.1");
      assertThat(p.reason()).contains("override: GPU hours");
    }
  }

  @Test
  void tenantOverrideWithRequestFee(@TempDir Path dir) throws IOException {
    Path overrides = dir.resolve("overrides.json");
    Files.writeString(
        overrides,
        "{\"models\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\","
            + "\"tenant\":\"acme\",\"prices\":{\"input_mtok\":2,\"output_mtok\":8,\"requests_kcount\":0.5}}]}");
    try (SpanPricer own =
        SpanPricer.builder()
            .source(PriceCatalogSource.builder().overridesFile(overrides).build())
            .build()) {
      Object[] kv = {
        "gen_ai.provider.name",
        "openai",
        "gen_ai.request.model",
        "gpt-4o",
        "gen_ai.usage.input_tokens",
        1_000_000,
        "gen_ai.usage.output_tokens",
        1_000_000
      };
      PricedSpan acme = own.price(span(NOW, kv), List.of(), "acme");
      PricedSpan other = own.price(span(NOW, kv), List.of(), "other");
      // 2 + 8 + 0.5 / 1000
      assertUsd(acme.total(), "10.0005");
      assertUsd(acme.cost().request(), "0.0005");
      assertThat(acme.priceEntry()).isEqualTo("override/openai/gpt-4o@acme");
      assertUsd(other.total(), "12.5");
    }
  }

  @Test
  void providedCostIsKeptBesideOurs() {
    PricedSpan p =
        price(
            "gen_ai.system",
            "openai",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.prompt_tokens",
            1000,
            "gen_ai.usage.completion_tokens",
            500,
            "gen_ai.usage.cost",
            0.0123);
    assertThat(p.providedCost()).isEqualByComparingTo("0.0123");
    assertUsd(p.total(), "0.0075");
  }

  @Test
  void noUsage() {
    PricedSpan p = price("gen_ai.operation.name", "chat", "gen_ai.request.model", "gpt-4o");
    assertThat(p.status()).isEqualTo(PricingStatus.NO_USAGE);
    assertThat(p.reason()).isEqualTo("the span reports no token usage");
  }

  @Test
  void onlyTotalTokens() {
    PricedSpan p = price("llm.model_name", "gpt-4o", "llm.token_count.total", 1500);
    assertThat(p.status()).isEqualTo(PricingStatus.NO_USAGE);
    assertThat(p.reason()).contains("only a total token count");
  }

  @Test
  void usageWithoutModel() {
    PricedSpan p = price("gen_ai.usage.input_tokens", 10, "gen_ai.usage.output_tokens", 5);
    assertThat(p.status()).isEqualTo(PricingStatus.UNKNOWN_MODEL);
    assertThat(p.reason()).contains("names no model");
  }

  @Test
  void negativeTokenCount() {
    PricedSpan p =
        price(
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.provider.name",
            "openai",
            "gen_ai.usage.input_tokens",
            1000,
            "gen_ai.usage.output_tokens",
            -5);
    assertThat(p.status()).isEqualTo(PricingStatus.INVALID_USAGE);
    assertThat(p.reason()).startsWith("gen_ai.usage.output_tokens=-5 is negative");
    assertUsd(p.total(), "0.0025");
  }

  @Test
  void nanTokenCount() {
    PricedSpan p = price("gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", Double.NaN);
    assertThat(p.status()).isEqualTo(PricingStatus.INVALID_USAGE);
    assertThat(p.reason()).isEqualTo("gen_ai.usage.input_tokens=NaN is not a whole number");
  }

  @Test
  void nonNumericString() {
    PricedSpan p = price("gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", "lots");
    assertThat(p.status()).isEqualTo(PricingStatus.INVALID_USAGE);
    assertThat(p.reason()).isEqualTo("gen_ai.usage.input_tokens='lots' is not a whole number");
  }

  @Test
  void absurdTokenCount() {
    PricedSpan p =
        price("gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", 50_000_000_000L);
    assertThat(p.status()).isEqualTo(PricingStatus.INVALID_USAGE);
    assertThat(p.reason()).contains("implausibly large");
  }

  @Test
  void numbersAsStringsAndWholeDoublesAreAccepted() {
    PricedSpan p =
        price(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            "1000",
            "gen_ai.usage.output_tokens",
            500.0);
    assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
    assertUsd(p.total(), "0.0075");
  }

  @Test
  void agentSpansThatSumTheirChildrenAreNotPricedTwice() {
    PricedSpan p =
        price(
            "gen_ai.operation.name",
            "invoke_agent",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            1000);
    assertThat(p.status()).isEqualTo(PricingStatus.NOT_APPLICABLE);
    assertThat(p.isApplicable()).isFalse();
  }

  @Test
  void providerFromServerAddress() {
    PricedSpan p =
        price(
            "server.address",
            "api.anthropic.com",
            "gen_ai.request.model",
            "claude-3-5-haiku-20241022",
            "gen_ai.usage.input_tokens",
            1_000_000);
    assertThat(p.span().provider()).isEqualTo("anthropic");
    assertUsd(p.total(), "0.8");
  }

  @Test
  void plainHttpSpanIsNotApplicable() {
    PricedSpan p = price("http.request.method", "GET", "url.path", "/v1/chat");
    assertThat(p.status()).isEqualTo(PricingStatus.NOT_APPLICABLE);
    assertUsd(p.total(), "0");
  }
}
