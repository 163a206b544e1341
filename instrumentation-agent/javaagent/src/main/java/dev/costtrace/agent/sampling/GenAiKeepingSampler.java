package dev.costtrace.agent.sampling;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Wraps the sampler the application configured ({@code OTEL_TRACES_SAMPLER}) so that every LLM call
 * is counted: a span that is a gen_ai client span ({@code gen_ai.operation.name} among its start
 * attributes, kind CLIENT) or an {@code execute_tool} span is recorded and sampled even when the
 * configured sampler would not sample it, and then carries {@link #KEPT_FOR_COST}{@code =true}.
 * Every other span gets exactly the configured sampler's decision, so the share of the app's other
 * spans that is exported does not change.
 *
 * <p>A kept span's context is sampled while its parent's is not. Left alone, a parent-based sampler
 * would then sample everything under it (the HTTP client span of the LLM request, the spans of a
 * tool), and the trace flags sent downstream would change. So the configured sampler decides for a
 * child of a kept span as it would have without us: it sees the kept parent with the sampled flag
 * cleared, which is the flag that parent would have had. A kept span's own context keeps the flag
 * set; instrumentations inject the context of the HTTP client span under it, which is unsampled
 * again, so downstream services see the trace as the app's sampler decided.
 *
 * <p>The decision is made at span start, from the attributes instrumentations set then: every
 * CostTrace instrumentation and the upstream OpenAI one put {@code gen_ai.operation.name} there.
 * Any failure of ours falls back to the configured sampler's decision.
 */
public final class GenAiKeepingSampler implements Sampler {
  /** On a span the configured sampler would have dropped: kept because it carries cost. */
  public static final AttributeKey<Boolean> KEPT_FOR_COST =
      AttributeKey.booleanKey("costtrace.sampling.kept_for_cost");

  /**
   * On the resource of an app whose agent keeps every gen_ai span: the receiver then counts each of
   * them once, never extrapolates them by a probability sampler's adjusted count (a gen_ai span of
   * a sampled trace has no {@link #KEPT_FOR_COST} but was not sampled by probability either).
   */
  public static final AttributeKey<Boolean> KEEPS_GENAI_SPANS =
      AttributeKey.booleanKey("costtrace.sampling.keeps_genai_spans");

  private static final Attributes KEPT_ATTRIBUTES = Attributes.of(KEPT_FOR_COST, true);

  private final Sampler delegate;

  private GenAiKeepingSampler(Sampler delegate) {
    this.delegate = delegate;
  }

  /** {@code configured}, wrapped. */
  public static Sampler wrap(Sampler configured) {
    if (configured == null) {
      throw new NullPointerException("configured sampler must not be null");
    }
    return configured instanceof GenAiKeepingSampler
        ? configured
        : new GenAiKeepingSampler(configured);
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    SamplingResult result =
        delegate.shouldSample(
            asConfiguredSees(parentContext), traceId, name, spanKind, attributes, parentLinks);
    try {
      if (result.getDecision() == SamplingDecision.RECORD_AND_SAMPLE
          || !carriesCost(spanKind, attributes)) {
        return result;
      }
      return new KeptForCost(result);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return result;
    }
  }

  /**
   * True for the spans whose money the receiver counts: gen_ai client spans (chat, embeddings, any
   * operation) and tool executions.
   */
  static boolean carriesCost(SpanKind kind, Attributes attributes) {
    String operation = attributes.get(GenAiAttributes.OPERATION_NAME);
    return operation != null
        && (kind == SpanKind.CLIENT || GenAiAttributes.OPERATION_EXECUTE_TOOL.equals(operation));
  }

  /**
   * The parent context as the configured sampler would have seen it: when the parent is a span we
   * kept, with its sampled flag cleared.
   */
  static Context asConfiguredSees(Context parentContext) {
    try {
      Span parent = Span.fromContextOrNull(parentContext);
      if (parent == null) {
        return parentContext;
      }
      SpanContext sc = parent.getSpanContext();
      if (!sc.isSampled() || !wasKeptForCost(parent)) {
        return parentContext;
      }
      return parentContext.with(
          Span.wrap(
              SpanContext.create(
                  sc.getTraceId(), sc.getSpanId(), TraceFlags.getDefault(), sc.getTraceState())));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return parentContext;
    }
  }

  private static boolean wasKeptForCost(Span span) {
    return span instanceof ReadableSpan
        && Boolean.TRUE.equals(((ReadableSpan) span).getAttribute(KEPT_FOR_COST));
  }

  @Override
  public String getDescription() {
    return "CostTraceGenAiKeeping{" + delegate.getDescription() + "}";
  }

  @Override
  public String toString() {
    return getDescription();
  }

  /**
   * Recorded and sampled, marked, and with the trace state the configured sampler chose (a sampler
   * may rewrite it even when it drops).
   */
  private static final class KeptForCost implements SamplingResult {
    private final SamplingResult configured;

    KeptForCost(SamplingResult configured) {
      this.configured = configured;
    }

    @Override
    public SamplingDecision getDecision() {
      return SamplingDecision.RECORD_AND_SAMPLE;
    }

    @Override
    public Attributes getAttributes() {
      Attributes own = configured.getAttributes();
      return own.isEmpty() ? KEPT_ATTRIBUTES : own.toBuilder().putAll(KEPT_ATTRIBUTES).build();
    }

    @Override
    public TraceState getUpdatedTraceState(TraceState parentTraceState) {
      return configured.getUpdatedTraceState(parentTraceState);
    }
  }
}
