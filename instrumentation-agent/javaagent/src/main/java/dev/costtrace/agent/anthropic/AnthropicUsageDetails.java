package dev.costtrace.agent.anthropic;

import com.anthropic.models.messages.CacheCreation;
import com.anthropic.models.messages.MessageDeltaUsage;
import com.anthropic.models.messages.Usage;

/**
 * The usage details newer SDK versions have and older ones lack (anthropic-java 2.0.0 has neither
 * {@code Usage.cacheCreation()} nor {@code outputTokensDetails()}): the cache-creation 5m/1h split
 * and thinking tokens. A class of its own so that, on an SDK without them, the {@link LinkageError}
 * of the first call is caught by the caller, which then stops calling; the rest of the usage is
 * still recorded.
 */
final class AnthropicUsageDetails {
  /** False once this SDK turned out to lack the details; per class loader, like the SDK. */
  static volatile boolean available = true;

  private AnthropicUsageDetails() {}

  static void unavailable() {
    available = false;
  }

  static void read(Usage usage, AnthropicModel.UsageCounts c) {
    if (usage.cacheCreation().isPresent()) {
      CacheCreation split = usage.cacheCreation().get();
      c.cacheCreation5m = split.ephemeral5mInputTokens();
      c.cacheCreation1h = split.ephemeral1hInputTokens();
    }
    if (usage.outputTokensDetails().isPresent()) {
      c.reasoning = usage.outputTokensDetails().get().thinkingTokens();
    }
  }

  static void read(MessageDeltaUsage delta, AnthropicModel.UsageCounts c) {
    if (delta.outputTokensDetails().isPresent()) {
      c.reasoning = delta.outputTokensDetails().get().thinkingTokens();
    }
  }
}
