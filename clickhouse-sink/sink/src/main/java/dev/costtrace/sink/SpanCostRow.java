package dev.costtrace.sink;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;

/**
 * One priced span, as the sink stores it: identity, attribution, model, every token class
 * (disjoint: no token is counted in two classes) and every cost component.
 *
 * <p>Built with {@link #builder()}; unset strings are empty, unset numbers zero, unset costs zero
 * (except {@code providedCost}, which is null when the span carried none).
 */
public final class SpanCostRow {
  private final String traceId;
  private final String spanId;
  private final String parentSpanId;
  private final long startEpochNanos;
  private final long endEpochNanos;
  private final String serviceName;
  private final String conversationId;
  private final String tenantId;
  private final String userId;
  private final String feature;
  private final Map<String, String> tags;
  private final String provider;
  private final String requestModel;
  private final String responseModel;
  private final String operation;
  private final String toolName;
  private final String spanStatus;
  private final String errorType;
  private final long inputTokens;
  private final long cacheReadTokens;
  private final long cacheWriteTokens;
  private final long cacheWrite1hTokens;
  private final long outputTokens;
  private final long reasoningTokens;
  private final long audioInputTokens;
  private final long audioOutputTokens;
  private final BigDecimal inputCost;
  private final BigDecimal cacheReadCost;
  private final BigDecimal cacheWriteCost;
  private final BigDecimal outputCost;
  private final BigDecimal reasoningCost;
  private final BigDecimal audioCost;
  private final BigDecimal requestCost;
  private final BigDecimal toolCost;
  private final BigDecimal totalCost;
  private final BigDecimal providedCost;
  private final String pricingStatus;
  private final String pricingReason;
  private final String catalogVersion;
  private final String priceEntry;
  private final long timeToFirstTokenNanos;
  private final long attributionVersion;

  private SpanCostRow(Builder b) {
    this.traceId = b.traceId;
    this.spanId = b.spanId;
    this.parentSpanId = b.parentSpanId;
    this.startEpochNanos = b.startEpochNanos;
    this.endEpochNanos = b.endEpochNanos;
    this.serviceName = b.serviceName;
    this.conversationId = b.conversationId;
    this.tenantId = b.tenantId;
    this.userId = b.userId;
    this.feature = b.feature;
    this.tags = Map.copyOf(b.tags);
    this.provider = b.provider;
    this.requestModel = b.requestModel;
    this.responseModel = b.responseModel;
    this.operation = b.operation;
    this.toolName = b.toolName;
    this.spanStatus = b.spanStatus;
    this.errorType = b.errorType;
    this.inputTokens = b.inputTokens;
    this.cacheReadTokens = b.cacheReadTokens;
    this.cacheWriteTokens = b.cacheWriteTokens;
    this.cacheWrite1hTokens = b.cacheWrite1hTokens;
    this.outputTokens = b.outputTokens;
    this.reasoningTokens = b.reasoningTokens;
    this.audioInputTokens = b.audioInputTokens;
    this.audioOutputTokens = b.audioOutputTokens;
    this.inputCost = b.inputCost;
    this.cacheReadCost = b.cacheReadCost;
    this.cacheWriteCost = b.cacheWriteCost;
    this.outputCost = b.outputCost;
    this.reasoningCost = b.reasoningCost;
    this.audioCost = b.audioCost;
    this.requestCost = b.requestCost;
    this.toolCost = b.toolCost;
    this.totalCost = b.totalCost;
    this.providedCost = b.providedCost;
    this.pricingStatus = b.pricingStatus;
    this.pricingReason = b.pricingReason;
    this.catalogVersion = b.catalogVersion;
    this.priceEntry = b.priceEntry;
    this.timeToFirstTokenNanos = b.timeToFirstTokenNanos;
    this.attributionVersion = b.attributionVersion;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this row's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.traceId = traceId;
    b.spanId = spanId;
    b.parentSpanId = parentSpanId;
    b.startEpochNanos = startEpochNanos;
    b.endEpochNanos = endEpochNanos;
    b.serviceName = serviceName;
    b.conversationId = conversationId;
    b.tenantId = tenantId;
    b.userId = userId;
    b.feature = feature;
    b.tags = tags;
    b.provider = provider;
    b.requestModel = requestModel;
    b.responseModel = responseModel;
    b.operation = operation;
    b.toolName = toolName;
    b.spanStatus = spanStatus;
    b.errorType = errorType;
    b.inputTokens = inputTokens;
    b.cacheReadTokens = cacheReadTokens;
    b.cacheWriteTokens = cacheWriteTokens;
    b.cacheWrite1hTokens = cacheWrite1hTokens;
    b.outputTokens = outputTokens;
    b.reasoningTokens = reasoningTokens;
    b.audioInputTokens = audioInputTokens;
    b.audioOutputTokens = audioOutputTokens;
    b.inputCost = inputCost;
    b.cacheReadCost = cacheReadCost;
    b.cacheWriteCost = cacheWriteCost;
    b.outputCost = outputCost;
    b.reasoningCost = reasoningCost;
    b.audioCost = audioCost;
    b.requestCost = requestCost;
    b.toolCost = toolCost;
    b.totalCost = totalCost;
    b.providedCost = providedCost;
    b.pricingStatus = pricingStatus;
    b.pricingReason = pricingReason;
    b.catalogVersion = catalogVersion;
    b.priceEntry = priceEntry;
    b.timeToFirstTokenNanos = timeToFirstTokenNanos;
    b.attributionVersion = attributionVersion;
    return b;
  }

  /** 32 lowercase hex characters. */
  public String traceId() {
    return traceId;
  }

  /** 16 lowercase hex characters. */
  public String spanId() {
    return spanId;
  }

  /** 16 lowercase hex characters, empty for a root span. */
  public String parentSpanId() {
    return parentSpanId;
  }

  /** Span start, Unix epoch nanoseconds. */
  public long startEpochNanos() {
    return startEpochNanos;
  }

  /** Span end, Unix epoch nanoseconds. */
  public long endEpochNanos() {
    return endEpochNanos;
  }

  /** Resource service.name. */
  public String serviceName() {
    return serviceName;
  }

  /** Empty when not (yet) known. */
  public String conversationId() {
    return conversationId;
  }

  /** Empty when not (yet) known. */
  public String tenantId() {
    return tenantId;
  }

  /** Empty when not (yet) known. */
  public String userId() {
    return userId;
  }

  /** Empty when not (yet) known. */
  public String feature() {
    return feature;
  }

  /** Other attribution tags. */
  public Map<String, String> tags() {
    return tags;
  }

  /** Normalised provider, e.g. openai, anthropic, aws_bedrock. */
  public String provider() {
    return provider;
  }

  /** Model as requested. */
  public String requestModel() {
    return requestModel;
  }

  /** Model as answered. */
  public String responseModel() {
    return responseModel;
  }

  /** Gen_ai.operation.name: chat, text_completion, embeddings, execute_tool, .... */
  public String operation() {
    return operation;
  }

  /** Gen_ai.tool.name for tool spans. */
  public String toolName() {
    return toolName;
  }

  /** OTLP status: UNSET, OK or ERROR. */
  public String spanStatus() {
    return spanStatus;
  }

  /** Error.type, empty when none. */
  public String errorType() {
    return errorType;
  }

  /** Uncached input tokens (disjoint from cache classes). */
  public long inputTokens() {
    return inputTokens;
  }

  /** Input tokens read from cache. */
  public long cacheReadTokens() {
    return cacheReadTokens;
  }

  /** Input tokens written to cache (all TTLs, including cacheWrite1hTokens). */
  public long cacheWriteTokens() {
    return cacheWriteTokens;
  }

  /** Of cacheWriteTokens, those written with a 1-hour TTL. */
  public long cacheWrite1hTokens() {
    return cacheWrite1hTokens;
  }

  /** Visible output tokens (reasoning excluded). */
  public long outputTokens() {
    return outputTokens;
  }

  /** Reasoning output tokens. */
  public long reasoningTokens() {
    return reasoningTokens;
  }

  /** Audio input tokens. */
  public long audioInputTokens() {
    return audioInputTokens;
  }

  /** Audio output tokens. */
  public long audioOutputTokens() {
    return audioOutputTokens;
  }

  /** USD. */
  public BigDecimal inputCost() {
    return inputCost;
  }

  /** USD. */
  public BigDecimal cacheReadCost() {
    return cacheReadCost;
  }

  /** USD. */
  public BigDecimal cacheWriteCost() {
    return cacheWriteCost;
  }

  /** USD. */
  public BigDecimal outputCost() {
    return outputCost;
  }

  /** USD. */
  public BigDecimal reasoningCost() {
    return reasoningCost;
  }

  /** USD. */
  public BigDecimal audioCost() {
    return audioCost;
  }

  /** USD, per-request fees. */
  public BigDecimal requestCost() {
    return requestCost;
  }

  /** USD, tool-call costs. */
  public BigDecimal toolCost() {
    return toolCost;
  }

  /** USD, sum of the components. */
  public BigDecimal totalCost() {
    return totalCost;
  }

  /** USD cost the span itself carried (gen_ai.usage.cost, ...), null when none. */
  public BigDecimal providedCost() {
    return providedCost;
  }

  /** PRICED, UNKNOWN_MODEL, NO_USAGE, PARTIAL or UNREGISTERED_TOOL. */
  public String pricingStatus() {
    return pricingStatus;
  }

  /** Human-readable reason for the status. */
  public String pricingReason() {
    return pricingReason;
  }

  /** Version of the price catalog used. */
  public String catalogVersion() {
    return catalogVersion;
  }

  /** Catalog entry used, e.g. openai/gpt-4o. */
  public String priceEntry() {
    return priceEntry;
  }

  /** -1 when unknown. */
  public long timeToFirstTokenNanos() {
    return timeToFirstTokenNanos;
  }

  /** Higher wins when the same span is written again with better attribution. */
  public long attributionVersion() {
    return attributionVersion;
  }

  /** Duration in nanoseconds. */
  public long durationNanos() {
    return endEpochNanos - startEpochNanos;
  }

  @Override
  public String toString() {
    return "SpanCostRow{" + traceId + "/" + spanId + " " + responseModel + " " + totalCost + " " + pricingStatus + "}";
  }

  /** Builder for {@link SpanCostRow}; every default is set here. */
  public static final class Builder {
    private String traceId = "";
    private String spanId = "";
    private String parentSpanId = "";
    private long startEpochNanos = 0;
    private long endEpochNanos = 0;
    private String serviceName = "";
    private String conversationId = "";
    private String tenantId = "";
    private String userId = "";
    private String feature = "";
    private Map<String, String> tags = Map.of();
    private String provider = "";
    private String requestModel = "";
    private String responseModel = "";
    private String operation = "";
    private String toolName = "";
    private String spanStatus = "UNSET";
    private String errorType = "";
    private long inputTokens = 0;
    private long cacheReadTokens = 0;
    private long cacheWriteTokens = 0;
    private long cacheWrite1hTokens = 0;
    private long outputTokens = 0;
    private long reasoningTokens = 0;
    private long audioInputTokens = 0;
    private long audioOutputTokens = 0;
    private BigDecimal inputCost = BigDecimal.ZERO;
    private BigDecimal cacheReadCost = BigDecimal.ZERO;
    private BigDecimal cacheWriteCost = BigDecimal.ZERO;
    private BigDecimal outputCost = BigDecimal.ZERO;
    private BigDecimal reasoningCost = BigDecimal.ZERO;
    private BigDecimal audioCost = BigDecimal.ZERO;
    private BigDecimal requestCost = BigDecimal.ZERO;
    private BigDecimal toolCost = BigDecimal.ZERO;
    private BigDecimal totalCost = BigDecimal.ZERO;
    private BigDecimal providedCost = null;
    private String pricingStatus = "";
    private String pricingReason = "";
    private String catalogVersion = "";
    private String priceEntry = "";
    private long timeToFirstTokenNanos = -1;
    private long attributionVersion = 0;

    private Builder() {}

    public Builder traceId(String traceId) {
      this.traceId = Objects.requireNonNullElse(traceId, "");
      return this;
    }

    public Builder spanId(String spanId) {
      this.spanId = Objects.requireNonNullElse(spanId, "");
      return this;
    }

    public Builder parentSpanId(String parentSpanId) {
      this.parentSpanId = Objects.requireNonNullElse(parentSpanId, "");
      return this;
    }

    public Builder startEpochNanos(long startEpochNanos) {
      this.startEpochNanos = startEpochNanos;
      return this;
    }

    public Builder endEpochNanos(long endEpochNanos) {
      this.endEpochNanos = endEpochNanos;
      return this;
    }

    public Builder serviceName(String serviceName) {
      this.serviceName = Objects.requireNonNullElse(serviceName, "");
      return this;
    }

    public Builder conversationId(String conversationId) {
      this.conversationId = Objects.requireNonNullElse(conversationId, "");
      return this;
    }

    public Builder tenantId(String tenantId) {
      this.tenantId = Objects.requireNonNullElse(tenantId, "");
      return this;
    }

    public Builder userId(String userId) {
      this.userId = Objects.requireNonNullElse(userId, "");
      return this;
    }

    public Builder feature(String feature) {
      this.feature = Objects.requireNonNullElse(feature, "");
      return this;
    }

    public Builder tags(Map<String, String> tags) {
      this.tags = tags == null ? Map.of() : tags;
      return this;
    }

    public Builder provider(String provider) {
      this.provider = Objects.requireNonNullElse(provider, "");
      return this;
    }

    public Builder requestModel(String requestModel) {
      this.requestModel = Objects.requireNonNullElse(requestModel, "");
      return this;
    }

    public Builder responseModel(String responseModel) {
      this.responseModel = Objects.requireNonNullElse(responseModel, "");
      return this;
    }

    public Builder operation(String operation) {
      this.operation = Objects.requireNonNullElse(operation, "");
      return this;
    }

    public Builder toolName(String toolName) {
      this.toolName = Objects.requireNonNullElse(toolName, "");
      return this;
    }

    public Builder spanStatus(String spanStatus) {
      this.spanStatus = Objects.requireNonNullElse(spanStatus, "");
      return this;
    }

    public Builder errorType(String errorType) {
      this.errorType = Objects.requireNonNullElse(errorType, "");
      return this;
    }

    public Builder inputTokens(long inputTokens) {
      this.inputTokens = inputTokens;
      return this;
    }

    public Builder cacheReadTokens(long cacheReadTokens) {
      this.cacheReadTokens = cacheReadTokens;
      return this;
    }

    public Builder cacheWriteTokens(long cacheWriteTokens) {
      this.cacheWriteTokens = cacheWriteTokens;
      return this;
    }

    public Builder cacheWrite1hTokens(long cacheWrite1hTokens) {
      this.cacheWrite1hTokens = cacheWrite1hTokens;
      return this;
    }

    public Builder outputTokens(long outputTokens) {
      this.outputTokens = outputTokens;
      return this;
    }

    public Builder reasoningTokens(long reasoningTokens) {
      this.reasoningTokens = reasoningTokens;
      return this;
    }

    public Builder audioInputTokens(long audioInputTokens) {
      this.audioInputTokens = audioInputTokens;
      return this;
    }

    public Builder audioOutputTokens(long audioOutputTokens) {
      this.audioOutputTokens = audioOutputTokens;
      return this;
    }

    public Builder inputCost(BigDecimal inputCost) {
      this.inputCost = Objects.requireNonNull(inputCost, "inputCost");
      return this;
    }

    public Builder cacheReadCost(BigDecimal cacheReadCost) {
      this.cacheReadCost = Objects.requireNonNull(cacheReadCost, "cacheReadCost");
      return this;
    }

    public Builder cacheWriteCost(BigDecimal cacheWriteCost) {
      this.cacheWriteCost = Objects.requireNonNull(cacheWriteCost, "cacheWriteCost");
      return this;
    }

    public Builder outputCost(BigDecimal outputCost) {
      this.outputCost = Objects.requireNonNull(outputCost, "outputCost");
      return this;
    }

    public Builder reasoningCost(BigDecimal reasoningCost) {
      this.reasoningCost = Objects.requireNonNull(reasoningCost, "reasoningCost");
      return this;
    }

    public Builder audioCost(BigDecimal audioCost) {
      this.audioCost = Objects.requireNonNull(audioCost, "audioCost");
      return this;
    }

    public Builder requestCost(BigDecimal requestCost) {
      this.requestCost = Objects.requireNonNull(requestCost, "requestCost");
      return this;
    }

    public Builder toolCost(BigDecimal toolCost) {
      this.toolCost = Objects.requireNonNull(toolCost, "toolCost");
      return this;
    }

    public Builder totalCost(BigDecimal totalCost) {
      this.totalCost = Objects.requireNonNull(totalCost, "totalCost");
      return this;
    }

    public Builder providedCost(BigDecimal providedCost) {
      this.providedCost = providedCost;
      return this;
    }

    public Builder pricingStatus(String pricingStatus) {
      this.pricingStatus = Objects.requireNonNullElse(pricingStatus, "");
      return this;
    }

    public Builder pricingReason(String pricingReason) {
      this.pricingReason = Objects.requireNonNullElse(pricingReason, "");
      return this;
    }

    public Builder catalogVersion(String catalogVersion) {
      this.catalogVersion = Objects.requireNonNullElse(catalogVersion, "");
      return this;
    }

    public Builder priceEntry(String priceEntry) {
      this.priceEntry = Objects.requireNonNullElse(priceEntry, "");
      return this;
    }

    public Builder timeToFirstTokenNanos(long timeToFirstTokenNanos) {
      this.timeToFirstTokenNanos = timeToFirstTokenNanos;
      return this;
    }

    public Builder attributionVersion(long attributionVersion) {
      this.attributionVersion = attributionVersion;
      return this;
    }

    public SpanCostRow build() {
      if (traceId.length() != 32) {
        throw new IllegalArgumentException("traceId must be 32 hex characters: " + traceId);
      }
      if (spanId.length() != 16) {
        throw new IllegalArgumentException("spanId must be 16 hex characters: " + spanId);
      }
      return new SpanCostRow(this);
    }
  }
}
