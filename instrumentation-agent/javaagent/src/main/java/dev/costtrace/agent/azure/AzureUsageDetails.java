package dev.costtrace.agent.azure;

import com.azure.ai.openai.models.CompletionsUsage;
import com.azure.ai.openai.models.CompletionsUsageCompletionTokensDetails;
import com.azure.ai.openai.models.CompletionsUsagePromptTokensDetails;

/**
 * The usage details newer client libraries have and older ones lack (1.0.0-beta.12 has no token
 * details): cached input and reasoning tokens. A class of its own so that, on a library without
 * them, the {@link LinkageError} of the first call is caught by the caller, which then stops
 * calling; the rest of the usage is still recorded.
 */
final class AzureUsageDetails {
  /** False once this library turned out to lack the details; per class loader, like the SDK. */
  static volatile boolean available = true;

  private AzureUsageDetails() {}

  static Long cachedTokens(CompletionsUsage usage) {
    CompletionsUsagePromptTokensDetails details = usage.getPromptTokensDetails();
    return details == null || details.getCachedTokens() == null
        ? null
        : details.getCachedTokens().longValue();
  }

  static Long reasoningTokens(CompletionsUsage usage) {
    CompletionsUsageCompletionTokensDetails details = usage.getCompletionTokensDetails();
    return details == null || details.getReasoningTokens() == null
        ? null
        : details.getReasoningTokens().longValue();
  }
}
