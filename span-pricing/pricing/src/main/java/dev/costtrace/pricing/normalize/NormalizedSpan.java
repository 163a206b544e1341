package dev.costtrace.pricing.normalize;

import dev.costtrace.pricing.TokenUsage;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * A span's pricing-relevant facts, whatever convention its emitter followed.
 *
 * @param kind whether this is an LLM call, a tool execution, or neither
 * @param provider canonical provider id (catalog id such as {@code openai}, {@code aws}), or empty
 * @param requestModel model as requested, as the span said it
 * @param responseModel model as answered, as the span said it
 * @param operation canonical operation: chat, text_completion, embeddings, rerank, execute_tool...
 * @param toolName tool name of an execute_tool span, or empty
 * @param toolUnits units the tool consumed (for per-unit tool prices), 0 when not reported
 * @param serviceTier service tier lower-cased (default, flex, priority, batch...), or empty
 * @param usage disjoint token classes
 * @param usageReported whether the span carried any token count at all
 * @param onlyTotalTokens the span reported a total token count but no input/output split
 * @param invalidUsage why a token count was rejected (negative, absurd, not a number), or null
 * @param providedCost a cost the span itself carried (OpenLIT and others), or null
 * @param attribution the conversation, tenant, user and feature the span and its resource name
 * @param errorType the span's {@code error.type}, or empty
 * @param timeToFirstTokenNanos a streamed call's time to first token, -1 when the span has none
 * @param startEpochNanos span start: the instant whose prices apply
 */
public record NormalizedSpan(
    Kind kind,
    String provider,
    String requestModel,
    String responseModel,
    String operation,
    String toolName,
    long toolUnits,
    String serviceTier,
    TokenUsage usage,
    boolean usageReported,
    boolean onlyTotalTokens,
    String invalidUsage,
    BigDecimal providedCost,
    Attribution attribution,
    String errorType,
    long timeToFirstTokenNanos,
    long startEpochNanos) {

  /** What kind of span this is, for pricing. */
  public enum Kind {
    LLM,
    TOOL,
    NONE
  }

  /**
   * An LLM call known only by its stored facts (provider, model, usage, time), as repricing and
   * budget estimates have them.
   *
   * @param provider the provider as any emitter spells it; canonicalised here
   */
  public static NormalizedSpan llmCall(
      String provider, String model, String serviceTier, TokenUsage usage, long startEpochNanos) {
    return new NormalizedSpan(
        Kind.LLM,
        ProviderNames.canonical(provider),
        model,
        "",
        "chat",
        "",
        0,
        serviceTier == null ? "" : serviceTier.toLowerCase(Locale.ROOT),
        usage,
        true,
        false,
        null,
        null,
        Attribution.NONE,
        "",
        -1,
        startEpochNanos);
  }

  /** The conversation the span or its resource names, or empty. */
  public String conversationId() {
    return attribution.conversationId();
  }

  /** The model to price: the response model wins over the request model. */
  public String model() {
    return responseModel.isEmpty() ? requestModel : responseModel;
  }
}
