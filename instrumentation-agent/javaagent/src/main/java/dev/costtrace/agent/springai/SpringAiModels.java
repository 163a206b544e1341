package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import java.util.Locale;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * Maps Spring AI's prompt, response and usage to the foundation's model. The provider comes from
 * the observation's {@code AiOperationMetadata} (Spring AI's {@code AiProvider} values mapped to
 * {@code gen_ai.provider.name}), the request model and max tokens from the prompt's options (the
 * model's defaults merged in by then), the rest from the {@code ChatResponse}. Only methods every
 * supported Spring AI version has are called directly; the rest is read by {@link
 * SpringAiNativeUsage}.
 */
final class SpringAiModels {
  private SpringAiModels() {}

  static GenAiRequest request(
      ChatModelObservationContext context, boolean streaming, String conversationId) {
    String provider =
        context.getOperationMetadata() == null
            ? null
            : provider(context.getOperationMetadata().provider());
    GenAiRequest.Builder b =
        GenAiRequest.builder(
                provider == null ? SpringAiProviders.UNKNOWN : provider,
                GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming)
            .conversationId(conversationId)
            // The model built its vendor request before its observation starts: too late to
            // change the model, so a budget downgrade is a block.
            .notDowngradable();
    Prompt prompt = context.getRequest();
    if (prompt != null) {
      b.inputText(prompt::getContents);
    }
    ChatOptions options = prompt == null ? null : prompt.getOptions();
    if (options != null) {
      b.requestModel(options.getModel());
      Integer maxTokens = options.getMaxTokens();
      b.maxTokens(maxTokens == null ? null : maxTokens.longValue());
    }
    return b.build();
  }

  static String provider(String springAiProvider) {
    return SpringAiProviders.semconv(springAiProvider);
  }

  /** Id, model, finish reasons and {@code usage} of a response, into {@code b}. */
  static GenAiResponse.Builder fill(
      GenAiResponse.Builder b, ChatResponse response, Usage usage, String provider) {
    ChatResponseMetadata metadata = response.getMetadata();
    if (metadata != null) {
      b.responseId(nonEmpty(metadata.getId())).responseModel(nonEmpty(metadata.getModel()));
    }
    for (Generation g : response.getResults()) {
      if (g != null && g.getMetadata() != null) {
        String reason = nonEmpty(g.getMetadata().getFinishReason());
        if (reason != null) {
          b.addFinishReason(reason.toLowerCase(Locale.ROOT));
        }
      }
    }
    return b.usage(usage(usage, provider));
  }

  static GenAiResponse.Builder response(ChatResponse response, Usage usage, String provider) {
    return fill(GenAiResponse.builder(), response, usage, provider);
  }

  /**
   * Semconv usage from Spring AI's: prompt and completion tokens, and from the provider's native
   * usage (or Spring AI 2.0's own cache fields) cache read, cache write and reasoning tokens.
   * Spring AI's prompt tokens are the provider's input count: OpenAI's includes cached input,
   * Anthropic's does not (added back here).
   */
  static GenAiUsage usage(Usage usage, String provider) {
    if (isEmpty(usage)) {
      return null;
    }
    SpringAiNativeUsage details = SpringAiNativeUsage.of(usage);
    Long prompt = toLong(usage.getPromptTokens());
    Long input =
        GenAiAttributes.PROVIDER_ANTHROPIC.equals(provider)
            ? GenAiUsage.inputIncludingCache(prompt, details.cacheRead(), details.cacheWrite())
            : prompt;
    return GenAiUsage.builder()
        .inputTokens(input)
        .outputTokens(toLong(usage.getCompletionTokens()))
        .cacheReadInputTokens(details.cacheRead())
        .cacheCreationInputTokens(details.cacheWrite())
        .reasoningOutputTokens(details.reasoning())
        .build();
  }

  /** No usage, or Spring AI's {@code EmptyUsage} (zeros). */
  static boolean isEmpty(Usage usage) {
    if (usage == null) {
      return true;
    }
    Integer prompt = usage.getPromptTokens();
    Integer completion = usage.getCompletionTokens();
    return (prompt == null || prompt == 0) && (completion == null || completion == 0);
  }

  private static Long toLong(Integer v) {
    return v == null ? null : v.longValue();
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
