package dev.costtrace.agent.genai;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;

/**
 * Writes the gen_ai attributes of a {@link GenAiRequest} at span start and of a {@link
 * GenAiResponse} at end. Our own rather than the incubator's {@code GenAiAttributesExtractor}: that
 * one's getter interface gains abstract methods between agent versions (2.33 added one the
 * published 2.31 API lacks), and it has no cache-creation, service-tier or time-to-first-token
 * attributes.
 */
public final class GenAiAttributesExtractor
    implements AttributesExtractor<GenAiRequest, GenAiResponse> {
  private static final GenAiAttributesExtractor INSTANCE = new GenAiAttributesExtractor();

  private GenAiAttributesExtractor() {}

  public static GenAiAttributesExtractor create() {
    return INSTANCE;
  }

  @Override
  public void onStart(AttributesBuilder attributes, Context parentContext, GenAiRequest request) {
    attributes.put(GenAiAttributes.PROVIDER_NAME, request.provider());
    attributes.put(GenAiAttributes.OPERATION_NAME, request.operation());
    putIfNotNull(attributes, GenAiAttributes.REQUEST_MODEL, request.requestModel());
    putIfNotNull(attributes, GenAiAttributes.REQUEST_MAX_TOKENS, request.maxTokens());
    if (request.streaming()) {
      attributes.put(GenAiAttributes.REQUEST_STREAM, true);
    }
    // Lowest precedence: the attribution span processor runs after this and overwrites it with
    // app baggage or an inbound header when there is one.
    putIfNotNull(attributes, GenAiAttributes.CONVERSATION_ID, request.conversationId());
    putIfNotNull(attributes, GenAiAttributes.SERVER_ADDRESS, request.serverAddress());
    putIfNotNull(attributes, GenAiAttributes.SERVER_PORT, request.serverPort());
    if (!isAnthropic(request)) {
      putIfNotNull(attributes, GenAiAttributes.OPENAI_REQUEST_SERVICE_TIER, request.serviceTier());
    }
  }

  @Override
  public void onEnd(
      AttributesBuilder attributes,
      Context context,
      GenAiRequest request,
      GenAiResponse response,
      Throwable error) {
    if (error != null) {
      attributes.put(
          GenAiAttributes.ERROR_TYPE,
          error instanceof GenAiStreamTimeout
              ? GenAiStreamTimeout.ERROR_TYPE
              : error.getClass().getName());
    }
    if (response == null) {
      return;
    }
    putIfNotNull(attributes, GenAiAttributes.RESPONSE_ID, response.responseId());
    putIfNotNull(attributes, GenAiAttributes.RESPONSE_MODEL, response.responseModel());
    if (!response.finishReasons().isEmpty()) {
      attributes.put(GenAiAttributes.RESPONSE_FINISH_REASONS, response.finishReasons());
    }
    putIfNotNull(
        attributes,
        isAnthropic(request)
            ? GenAiAttributes.ANTHROPIC_RESPONSE_SERVICE_TIER
            : GenAiAttributes.OPENAI_RESPONSE_SERVICE_TIER,
        response.serviceTier());
    putIfNotNull(
        attributes, GenAiAttributes.TIME_TO_FIRST_TOKEN_NS, response.timeToFirstTokenNanos());
    putUsage(attributes, response.usage());
  }

  /** The usage attributes alone, for instrumentations that extend a span someone else made. */
  public static void putUsage(AttributesBuilder attributes, GenAiUsage usage) {
    if (usage == null) {
      return;
    }
    putIfNotNull(attributes, GenAiAttributes.USAGE_INPUT_TOKENS, usage.inputTokens());
    putIfNotNull(attributes, GenAiAttributes.USAGE_OUTPUT_TOKENS, usage.outputTokens());
    putIfNotNull(
        attributes, GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens());
    putIfNotNull(
        attributes,
        GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS,
        usage.cacheCreationInputTokens());
    putIfNotNull(
        attributes,
        GenAiAttributes.USAGE_CACHE_CREATION_5M_INPUT_TOKENS,
        usage.cacheCreation5mInputTokens());
    putIfNotNull(
        attributes,
        GenAiAttributes.USAGE_CACHE_CREATION_1H_INPUT_TOKENS,
        usage.cacheCreation1hInputTokens());
    putIfNotNull(
        attributes, GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens());
  }

  private static boolean isAnthropic(GenAiRequest request) {
    return GenAiAttributes.PROVIDER_ANTHROPIC.equals(request.provider());
  }

  private static <T> void putIfNotNull(AttributesBuilder attributes, AttributeKey<T> key, T value) {
    if (value != null) {
      attributes.put(key, value);
    }
  }
}
