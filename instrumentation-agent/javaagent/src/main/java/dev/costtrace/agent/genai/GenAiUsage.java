package dev.costtrace.agent.genai;

/**
 * Token usage of one LLM call in OpenTelemetry semantics: {@code inputTokens} includes cached input
 * (read and written), {@code outputTokens} includes reasoning. Vendors that report input without
 * cache (Anthropic) convert with {@link #inputIncludingCache}. A {@code null} count was not
 * reported and is not written (never a silent zero).
 */
public final class GenAiUsage {
  private final Long inputTokens;
  private final Long outputTokens;
  private final Long cacheReadInputTokens;
  private final Long cacheCreationInputTokens;
  private final Long cacheCreation5mInputTokens;
  private final Long cacheCreation1hInputTokens;
  private final Long reasoningOutputTokens;

  private GenAiUsage(Builder b) {
    this.inputTokens = b.inputTokens;
    this.outputTokens = b.outputTokens;
    this.cacheReadInputTokens = b.cacheReadInputTokens;
    this.cacheCreationInputTokens = b.cacheCreationInputTokens;
    this.cacheCreation5mInputTokens = b.cacheCreation5mInputTokens;
    this.cacheCreation1hInputTokens = b.cacheCreation1hInputTokens;
    this.reasoningOutputTokens = b.reasoningOutputTokens;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Semconv input from a vendor count that excludes cache: {@code uncached + cacheRead +
   * cacheCreation}, each {@code null} counted as 0; {@code null} when all are.
   */
  public static Long inputIncludingCache(Long uncached, Long cacheRead, Long cacheCreation) {
    if (uncached == null && cacheRead == null && cacheCreation == null) {
      return null;
    }
    return orZero(uncached) + orZero(cacheRead) + orZero(cacheCreation);
  }

  private static long orZero(Long v) {
    return v == null ? 0L : v;
  }

  public Long inputTokens() {
    return inputTokens;
  }

  public Long outputTokens() {
    return outputTokens;
  }

  public Long cacheReadInputTokens() {
    return cacheReadInputTokens;
  }

  /** All cache writes, whatever their lifetime. */
  public Long cacheCreationInputTokens() {
    return cacheCreationInputTokens;
  }

  /** Cache writes with the 5-minute lifetime, when the vendor says. */
  public Long cacheCreation5mInputTokens() {
    return cacheCreation5mInputTokens;
  }

  /** Cache writes with the 1-hour lifetime, when the vendor says. */
  public Long cacheCreation1hInputTokens() {
    return cacheCreation1hInputTokens;
  }

  public Long reasoningOutputTokens() {
    return reasoningOutputTokens;
  }

  @Override
  public String toString() {
    return "GenAiUsage{input="
        + inputTokens
        + ", output="
        + outputTokens
        + ", cacheRead="
        + cacheReadInputTokens
        + ", cacheCreation="
        + cacheCreationInputTokens
        + " (5m="
        + cacheCreation5mInputTokens
        + ", 1h="
        + cacheCreation1hInputTokens
        + "), reasoning="
        + reasoningOutputTokens
        + "}";
  }

  /** Every count optional; negative counts are rejected as the vendor's error, not ours to fix. */
  public static final class Builder {
    private Long inputTokens;
    private Long outputTokens;
    private Long cacheReadInputTokens;
    private Long cacheCreationInputTokens;
    private Long cacheCreation5mInputTokens;
    private Long cacheCreation1hInputTokens;
    private Long reasoningOutputTokens;

    private Builder() {}

    /** All input tokens, cached ones included. */
    public Builder inputTokens(Long v) {
      this.inputTokens = check(v, "inputTokens");
      return this;
    }

    /** All output tokens, reasoning included. */
    public Builder outputTokens(Long v) {
      this.outputTokens = check(v, "outputTokens");
      return this;
    }

    public Builder cacheReadInputTokens(Long v) {
      this.cacheReadInputTokens = check(v, "cacheReadInputTokens");
      return this;
    }

    public Builder cacheCreationInputTokens(Long v) {
      this.cacheCreationInputTokens = check(v, "cacheCreationInputTokens");
      return this;
    }

    public Builder cacheCreation5mInputTokens(Long v) {
      this.cacheCreation5mInputTokens = check(v, "cacheCreation5mInputTokens");
      return this;
    }

    public Builder cacheCreation1hInputTokens(Long v) {
      this.cacheCreation1hInputTokens = check(v, "cacheCreation1hInputTokens");
      return this;
    }

    public Builder reasoningOutputTokens(Long v) {
      this.reasoningOutputTokens = check(v, "reasoningOutputTokens");
      return this;
    }

    private static Long check(Long v, String name) {
      if (v != null && v < 0) {
        throw new IllegalArgumentException(name + " must be non-negative: " + v);
      }
      return v;
    }

    public GenAiUsage build() {
      return new GenAiUsage(this);
    }
  }
}
