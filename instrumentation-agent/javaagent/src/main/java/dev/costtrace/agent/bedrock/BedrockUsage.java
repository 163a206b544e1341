package dev.costtrace.agent.bedrock;

import dev.costtrace.agent.genai.GenAiUsage;

/**
 * Token counts as Bedrock reports them: {@code inputTokens} without the cache (Converse's {@code
 * TokenUsage}, the {@code X-Amzn-Bedrock-Input-Token-Count} header and Anthropic's body all count
 * the uncached input only; their {@code totalTokens} is input + output + cache read + cache write),
 * converted to semconv (input includes both cache counts).
 */
public final class BedrockUsage {
  Long uncachedInput;
  Long output;
  Long cacheRead;
  Long cacheWrite;

  public BedrockUsage() {}

  public BedrockUsage(Long uncachedInput, Long output, Long cacheRead, Long cacheWrite) {
    this.uncachedInput = uncachedInput;
    this.output = output;
    this.cacheRead = cacheRead;
    this.cacheWrite = cacheWrite;
  }

  /** True when nothing was reported. */
  public boolean isEmpty() {
    return uncachedInput == null && output == null && cacheRead == null && cacheWrite == null;
  }

  /** Fills the counts this one lacks from {@code other} (e.g. the body first, then headers). */
  public BedrockUsage orElse(BedrockUsage other) {
    if (other == null) {
      return this;
    }
    return new BedrockUsage(
        uncachedInput != null ? uncachedInput : other.uncachedInput,
        output != null ? output : other.output,
        cacheRead != null ? cacheRead : other.cacheRead,
        cacheWrite != null ? cacheWrite : other.cacheWrite);
  }

  public GenAiUsage toUsage() {
    return GenAiUsage.builder()
        .inputTokens(GenAiUsage.inputIncludingCache(uncachedInput, cacheRead, cacheWrite))
        .outputTokens(output)
        .cacheReadInputTokens(cacheRead)
        .cacheCreationInputTokens(cacheWrite)
        .build();
  }

  static Long toLong(Object v) {
    if (v instanceof Number) {
      long l = ((Number) v).longValue();
      return l < 0 ? null : l;
    }
    if (v instanceof String) {
      try {
        long l = Long.parseLong(((String) v).trim());
        return l < 0 ? null : l;
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}
