package dev.costtrace.pricing.normalize;

import static dev.costtrace.pricing.Attrs.of;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.pricing.TokenUsage;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One fixture per emitter convention, with the attribute names and value types that emitter writes.
 * Each reads into the same disjoint usage: 700 uncached + 200 cache read + 100 cache write input,
 * 250 visible + 50 reasoning output.
 */
class ConventionFixturesTest {
  private static final TokenUsage EXPECTED = new TokenUsage(700, 200, 100, 0, 250, 50, 0, 0);

  private static NormalizedSpan read(Object... kv) {
    return SpanNormalizer.normalize(of(kv), List.of(), 1L);
  }

  @Test
  void otelGenAiCurrent() {
    NormalizedSpan n =
        read(
            "gen_ai.provider.name",
            "openai",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.response.model",
            "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens",
            1000L,
            "gen_ai.usage.output_tokens",
            300L,
            "gen_ai.usage.cache_read.input_tokens",
            200L,
            "gen_ai.usage.cache_creation.input_tokens",
            100L,
            "gen_ai.usage.reasoning.output_tokens",
            50L,
            "gen_ai.conversation.id",
            "conv-1");
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.provider()).isEqualTo("openai");
    assertThat(n.model()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(n.operation()).isEqualTo("chat");
    assertThat(n.conversationId()).isEqualTo("conv-1");
  }

  @Test
  void otelGenAiDeprecated() {
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "anthropic",
            "gen_ai.request.model",
            "claude-3-5-sonnet-20241022",
            "gen_ai.usage.prompt_tokens",
            1000L,
            "gen_ai.usage.completion_tokens",
            300L,
            "gen_ai.usage.cache_read_input_tokens",
            200L,
            "gen_ai.usage.cache_creation_input_tokens",
            100L,
            "gen_ai.usage.reasoning_tokens",
            50L);
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.provider()).isEqualTo("anthropic");
  }

  @Test
  void openLlmetry() {
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "OpenAI",
            "llm.request.type",
            "chat",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.prompt_tokens",
            1000L,
            "gen_ai.usage.completion_tokens",
            300L,
            "llm.usage.total_tokens",
            1300L,
            "gen_ai.usage.cache_read_input_tokens",
            200L,
            "gen_ai.usage.cache_creation_input_tokens",
            100L,
            "llm.usage.reasoning_tokens",
            50L,
            "traceloop.association.properties.session_id",
            "sess-9");
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.operation()).isEqualTo("chat");
    assertThat(n.conversationId()).isEqualTo("sess-9");
  }

  @Test
  void openLlmetryLegacyLlmUsageNames() {
    NormalizedSpan n =
        read(
            "llm.vendor",
            "openai",
            "llm.request.type",
            "completion",
            "llm.request.model",
            "gpt-3.5-turbo",
            "llm.usage.prompt_tokens",
            1000L,
            "llm.usage.completion_tokens",
            300L);
    assertThat(n.usage().uncachedInput()).isEqualTo(1000);
    assertThat(n.usage().output()).isEqualTo(300);
    assertThat(n.operation()).isEqualTo("text_completion");
  }

  @Test
  void openInference() {
    NormalizedSpan n =
        read(
            "openinference.span.kind",
            "LLM",
            "llm.provider",
            "openai",
            "llm.system",
            "openai",
            "llm.model_name",
            "gpt-4o",
            "llm.token_count.prompt",
            1000L,
            "llm.token_count.completion",
            300L,
            "llm.token_count.total",
            1300L,
            "llm.token_count.prompt_details.cache_read",
            200L,
            "llm.token_count.prompt_details.cache_write",
            100L,
            "llm.token_count.completion_details.reasoning",
            50L,
            "session.id",
            "s-1",
            "llm.cost.total",
            0.0042);
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.operation()).isEqualTo("chat");
    assertThat(n.conversationId()).isEqualTo("s-1");
    assertThat(n.providedCost()).isEqualByComparingTo(new BigDecimal("0.0042"));
  }

  @Test
  void openInferenceToolSpan() {
    NormalizedSpan n = read("openinference.span.kind", "TOOL", "tool.name", "web_search");
    assertThat(n.kind()).isEqualTo(NormalizedSpan.Kind.TOOL);
    assertThat(n.toolName()).isEqualTo("web_search");
  }

  @Test
  void openLit() {
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "openai",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            1000L,
            "gen_ai.usage.output_tokens",
            300L,
            "gen_ai.usage.cache_read.input_tokens",
            200L,
            "gen_ai.usage.cache_creation.input_tokens",
            100L,
            "gen_ai.usage.completion_tokens_details.reasoning_tokens",
            50L,
            "gen_ai.usage.cost",
            0.00321);
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.providedCost()).isEqualByComparingTo(new BigDecimal("0.00321"));
  }

  @Test
  void springAi() {
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "bedrock_converse",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
            "gen_ai.usage.input_tokens",
            1000L,
            "gen_ai.usage.output_tokens",
            300L,
            "gen_ai.usage.cache_read.input_tokens",
            200L,
            "gen_ai.usage.cache_creation.input_tokens",
            100L,
            "gen_ai.usage.reasoning.output_tokens",
            50L,
            "spring.ai.chat.client.conversation.id",
            "chat-42");
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.provider()).isEqualTo("aws");
    assertThat(n.conversationId()).isEqualTo("chat-42");
  }

  @Test
  void springAiVertex() {
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "vertex_ai",
            "gen_ai.request.model",
            "gemini-2.5-flash",
            "gen_ai.usage.input_tokens",
            10L);
    assertThat(n.provider()).isEqualTo("google");
  }

  @Test
  void langChain4jObservationOpenAi() {
    // LangChain4j passes OpenAI's prompt_tokens, which include cached tokens.
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "OPEN_AI",
            "gen_ai.request.model",
            "gpt-4o",
            "input_tokens",
            1000L,
            "output_tokens",
            300L,
            "total_tokens",
            1300L,
            "gen_ai.usage.cache_read.input_tokens",
            200L,
            "gen_ai.usage.cache_creation.input_tokens",
            100L,
            "gen_ai.usage.reasoning.output_tokens",
            50L);
    assertThat(n.usage()).isEqualTo(EXPECTED);
    assertThat(n.provider()).isEqualTo("openai");
  }

  @Test
  void langChain4jObservationAnthropicRawInput() {
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "ANTHROPIC",
            "gen_ai.request.model",
            "claude-sonnet-4-5",
            "input_tokens",
            700L,
            "output_tokens",
            300L,
            "gen_ai.usage.cache_read.input_tokens",
            200L,
            "gen_ai.usage.cache_creation.input_tokens",
            100L,
            "gen_ai.usage.reasoning.output_tokens",
            50L);
    assertThat(n.usage()).isEqualTo(EXPECTED);
  }

  @Test
  void rawAnthropicCountUnderAnOtelNameDoesNotGoNegative() {
    // 50 is Anthropic's raw input (cache excluded); subtracting 6000 cached would go negative.
    NormalizedSpan n =
        read(
            "gen_ai.system",
            "anthropic",
            "gen_ai.request.model",
            "claude-haiku-4-5",
            "gen_ai.usage.input_tokens",
            50L,
            "gen_ai.usage.cache_read.input_tokens",
            6000L);
    assertThat(n.usage().uncachedInput()).isEqualTo(50);
    assertThat(n.usage().cacheRead()).isEqualTo(6000);
  }

  @Test
  void resourceAttributesAreReadButSpanWins() {
    NormalizedSpan n =
        SpanNormalizer.normalize(
            of("gen_ai.request.model", "gpt-4o", "gen_ai.usage.input_tokens", 5L),
            of("gen_ai.provider.name", "azure.ai.openai", "service.name", "chat-api"),
            1L);
    assertThat(n.provider()).isEqualTo("azure");
    NormalizedSpan both =
        SpanNormalizer.normalize(
            of("gen_ai.provider.name", "openai", "gen_ai.request.model", "gpt-4o"),
            of("gen_ai.provider.name", "azure.ai.openai"),
            1L);
    assertThat(both.provider()).isEqualTo("openai");
  }

  @Test
  void serviceTierFromRequestWhenResponseSilent() {
    NormalizedSpan n =
        read("gen_ai.request.model", "gpt-4o", "openai.request.service_tier", "Flex");
    assertThat(n.serviceTier()).isEqualTo("flex");
  }
}
