package dev.costtrace.agent.anthropic;

import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageDeltaUsage;
import com.anthropic.models.messages.Usage;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;

/**
 * Maps the Anthropic SDK's request, message and usage objects to the foundation's model. Anthropic
 * reports {@code input_tokens} without cache; semconv input includes it, so cache read and cache
 * creation are added back. Each SDK getter may throw on a malformed response: callers contain that.
 * Only what every supported SDK version (2.0.0 on) has is read here; the newer details are in
 * {@link AnthropicUsageDetails}.
 */
public final class AnthropicModel {
  private AnthropicModel() {}

  /** The SDK's own Jackson mapper: it serialises the request the way the SDK sends it. */
  static final String SDK_OBJECT_MAPPERS = "com.anthropic.core.ObjectMappers";

  public static GenAiRequest request(MessageCreateParams params, boolean streaming) {
    GenAiRequest.Builder b =
        GenAiRequest.builder(GenAiAttributes.PROVIDER_ANTHROPIC, GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming)
            .serverAddress("api.anthropic.com");
    try {
      b.requestModel(params.model().toString());
      b.maxTokens(params.maxTokens());
    } catch (RuntimeException e) {
      // A request the SDK itself will reject: the span still records the call.
    }
    b.inputText(() -> GenAiInputText.fromSdkBody(params._body(), SDK_OBJECT_MAPPERS));
    return b.build();
  }

  /** Usage of a complete message (or a stream's {@code message_start}). */
  public static UsageCounts counts(Usage usage) {
    UsageCounts c = new UsageCounts();
    c.uncachedInput = usage.inputTokens();
    c.output = usage.outputTokens();
    c.cacheRead = usage.cacheReadInputTokens().orElse(null);
    c.cacheCreation = usage.cacheCreationInputTokens().orElse(null);
    c.serviceTier = usage.serviceTier().map(Object::toString).orElse(null);
    if (AnthropicUsageDetails.available) {
      try {
        AnthropicUsageDetails.read(usage, c);
      } catch (LinkageError e) {
        AnthropicUsageDetails.unavailable();
      }
    }
    return c;
  }

  public static GenAiResponse response(Message message) {
    GenAiResponse.Builder b =
        GenAiResponse.builder().responseId(message.id()).responseModel(message.model().toString());
    message.stopReason().ifPresent(r -> b.addFinishReason(r.toString()));
    UsageCounts c = counts(message.usage());
    return b.usage(c.toUsage()).serviceTier(c.serviceTier).build();
  }

  /**
   * Token counts as Anthropic reports them (input without cache); a stream updates them from {@code
   * message_delta}, whose counts are cumulative.
   */
  public static final class UsageCounts {
    Long uncachedInput;
    Long output;
    Long cacheRead;
    Long cacheCreation;
    Long cacheCreation5m;
    Long cacheCreation1h;
    Long reasoning;
    String serviceTier;

    /** Applies a {@code message_delta}'s cumulative usage. */
    public void update(MessageDeltaUsage delta) {
      output = delta.outputTokens();
      uncachedInput = delta.inputTokens().orElse(uncachedInput);
      cacheRead = delta.cacheReadInputTokens().orElse(cacheRead);
      cacheCreation = delta.cacheCreationInputTokens().orElse(cacheCreation);
      if (AnthropicUsageDetails.available) {
        try {
          AnthropicUsageDetails.read(delta, this);
        } catch (LinkageError e) {
          AnthropicUsageDetails.unavailable();
        }
      }
    }

    public GenAiUsage toUsage() {
      // The 5m/1h split only when it adds up to the total: otherwise the total alone is honest.
      boolean splitValid =
          cacheCreation5m != null
              && cacheCreation1h != null
              && (cacheCreation == null || cacheCreation5m + cacheCreation1h == cacheCreation);
      return GenAiUsage.builder()
          .inputTokens(GenAiUsage.inputIncludingCache(uncachedInput, cacheRead, cacheCreation))
          .outputTokens(output)
          .cacheReadInputTokens(cacheRead)
          .cacheCreationInputTokens(cacheCreation)
          .cacheCreation5mInputTokens(splitValid ? cacheCreation5m : null)
          .cacheCreation1hInputTokens(splitValid ? cacheCreation1h : null)
          .reasoningOutputTokens(reasoning)
          .build();
    }

    public String serviceTier() {
      return serviceTier;
    }
  }
}
