package dev.costtrace.agent.genai;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What an LLM call returned: response ID and model, finish reasons, the service tier that served
 * it, token usage, and for streams the time to the first chunk. Immutable; a stream fills a {@link
 * Builder} as events arrive.
 */
public final class GenAiResponse {
  private final String responseId;
  private final String responseModel;
  private final List<String> finishReasons;
  private final String serviceTier;
  private final GenAiUsage usage;
  private final Long timeToFirstTokenNanos;

  private GenAiResponse(Builder b) {
    this.responseId = b.responseId;
    this.responseModel = b.responseModel;
    this.finishReasons = Collections.unmodifiableList(new ArrayList<>(b.finishReasons));
    this.serviceTier = b.serviceTier;
    this.usage = b.usage;
    this.timeToFirstTokenNanos = b.timeToFirstTokenNanos;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String responseId() {
    return responseId;
  }

  public String responseModel() {
    return responseModel;
  }

  public List<String> finishReasons() {
    return finishReasons;
  }

  /** The tier that served the call, as the vendor reports it. */
  public String serviceTier() {
    return serviceTier;
  }

  /** {@code null} when the vendor reported no usage. */
  public GenAiUsage usage() {
    return usage;
  }

  public Long timeToFirstTokenNanos() {
    return timeToFirstTokenNanos;
  }

  /** Mutable, not thread-safe; later values replace earlier ones (streams report usage last). */
  public static final class Builder {
    private String responseId;
    private String responseModel;
    private final List<String> finishReasons = new ArrayList<>();
    private String serviceTier;
    private GenAiUsage usage;
    private Long timeToFirstTokenNanos;

    private Builder() {}

    public Builder responseId(String v) {
      if (v != null) {
        this.responseId = v;
      }
      return this;
    }

    public Builder responseModel(String v) {
      if (v != null) {
        this.responseModel = v;
      }
      return this;
    }

    /** Adds one finish reason (one per choice); {@code null} is ignored. */
    public Builder addFinishReason(String v) {
      if (v != null) {
        finishReasons.add(v);
      }
      return this;
    }

    public Builder serviceTier(String v) {
      if (v != null) {
        this.serviceTier = v;
      }
      return this;
    }

    public Builder usage(GenAiUsage v) {
      if (v != null) {
        this.usage = v;
      }
      return this;
    }

    public Builder timeToFirstTokenNanos(Long v) {
      this.timeToFirstTokenNanos = v;
      return this;
    }

    public GenAiResponse build() {
      return new GenAiResponse(this);
    }
  }
}
