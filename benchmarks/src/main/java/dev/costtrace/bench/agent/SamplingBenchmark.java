package dev.costtrace.bench.agent;

import dev.costtrace.agent.attribution.AttributionSettings;
import dev.costtrace.agent.attribution.InboundAttribution;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.sampling.GenAiKeepingSampler;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.Arrays;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What keeping every LLM call's span under trace sampling costs, side by side with the configured
 * sampler alone ({@code parentbased_traceidratio} at 0.1), on a real SDK tracer provider with a
 * {@link BatchSpanProcessor} and a no-op exporter, as the agent sets it up:
 *
 * <ul>
 *   <li>{@code decide*}: the sampling decision alone, for an LLM span in a dropped trace (which the
 *       wrapper keeps), for an app span under a sampled parent (the wrapper checks whether that
 *       parent was kept for cost), and for a span under a kept LLM span (decided as the configured
 *       sampler would have, with the parent's sampled flag cleared).
 *   <li>{@code span*}: the same spans started and ended: an LLM span the configured sampler drops
 *       costs almost nothing, the kept one is recorded and queued for export — the real price of
 *       counting it.
 *   <li>{@code carry*}: the attribution context customizer every instrumenter now runs at span
 *       start, with and without captured attribution headers among the start attributes.
 * </ul>
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SamplingBenchmark {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  /** What an LLM client span carries at start (the upstream OpenAI chat span's start attributes). */
  private static final Attributes LLM_START =
      Attributes.builder()
          .put(GenAiAttributes.OPERATION_NAME, "chat")
          .put(GenAiAttributes.PROVIDER_NAME, "openai")
          .put(GenAiAttributes.REQUEST_MODEL, "gpt-4o-mini")
          .put(AttributeKey.stringKey("server.address"), "api.openai.com")
          .put(AttributeKey.longKey("server.port"), 443L)
          .build();
  /** An HTTP client span's start attributes. */
  private static final Attributes HTTP_START =
      Attributes.builder()
          .put(AttributeKey.stringKey("http.request.method"), "POST")
          .put(AttributeKey.stringKey("url.full"), "https://api.openai.com/v1/chat/completions")
          .put(AttributeKey.stringKey("server.address"), "api.openai.com")
          .put(AttributeKey.longKey("server.port"), 443L)
          .build();
  /** A server span's start attributes with the attribution headers the agent captures. */
  private static final Attributes SERVER_START_WITH_HEADERS =
      Attributes.builder()
          .put(AttributeKey.stringKey("http.request.method"), "POST")
          .put(AttributeKey.stringKey("url.path"), "/ask")
          .put(AttributeKey.stringArrayKey("http.request.header.x-conversation-id"),
              Arrays.asList("conv-bench-1"))
          .put(AttributeKey.stringArrayKey("http.request.header.x-tenant-id"), Arrays.asList("acme"))
          .build();

  private Sampler configured;
  private Sampler wrapped;
  private SdkTracerProvider configuredProvider;
  private SdkTracerProvider wrappedProvider;
  private SdkTracerProvider alwaysOnProvider;
  private Tracer configuredTracer;
  private Tracer wrappedTracer;
  private Context inDroppedTrace;
  private Context underSampledSpan;
  private Context underKeptSpan;
  private Span sampledSpan;
  private Span keptSpan;

  @Setup(Level.Trial)
  public void setUp() {
    configured = Sampler.parentBased(Sampler.traceIdRatioBased(0.1));
    wrapped = GenAiKeepingSampler.wrap(configured);
    configuredProvider = provider(configured);
    wrappedProvider = provider(wrapped);
    alwaysOnProvider = provider(Sampler.alwaysOn());
    configuredTracer = configuredProvider.get("bench");
    wrappedTracer = wrappedProvider.get("bench");
    InboundAttribution.install(AttributionSettings.defaults());

    // A dropped span, as the SDK makes it: a non-recording span with an unsampled context.
    inDroppedTrace = Context.root().with(Span.wrap(SpanContext.create(
        TRACE_ID, "00f067aa0ba902b7", TraceFlags.getDefault(), TraceState.getDefault())));
    sampledSpan = alwaysOnProvider.get("bench").spanBuilder("answer").startSpan();
    underSampledSpan = Context.root().with(sampledSpan);
    keptSpan = wrappedTracer.spanBuilder("chat gpt-4o-mini").setSpanKind(SpanKind.CLIENT)
        .setAllAttributes(LLM_START).setParent(inDroppedTrace).startSpan();
    if (!keptSpan.getSpanContext().isSampled()) {
      throw new IllegalStateException("the LLM span was not kept");
    }
    underKeptSpan = Context.root().with(keptSpan);
  }

  private static SdkTracerProvider provider(Sampler sampler) {
    return SdkTracerProvider.builder()
        .setSampler(sampler)
        .addSpanProcessor(BatchSpanProcessor.builder(new AgentHotPathBenchmark.NoopExporter()).build())
        .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sampledSpan.end();
    keptSpan.end();
    configuredProvider.close();
    wrappedProvider.close();
    alwaysOnProvider.close();
  }

  private static SamplingResult decide(Sampler s, Context parent, String name, SpanKind kind,
      Attributes attributes) {
    return s.shouldSample(parent, TRACE_ID, name, kind, attributes, Collections.emptyList());
  }

  @Benchmark
  public SamplingResult decideLlmInDroppedTraceConfigured() {
    return decide(configured, inDroppedTrace, "chat gpt-4o-mini", SpanKind.CLIENT, LLM_START);
  }

  @Benchmark
  public SamplingResult decideLlmInDroppedTraceWrapped() {
    return decide(wrapped, inDroppedTrace, "chat gpt-4o-mini", SpanKind.CLIENT, LLM_START);
  }

  @Benchmark
  public SamplingResult decideSpanUnderSampledParentConfigured() {
    return decide(configured, underSampledSpan, "POST", SpanKind.CLIENT, HTTP_START);
  }

  @Benchmark
  public SamplingResult decideSpanUnderSampledParentWrapped() {
    return decide(wrapped, underSampledSpan, "POST", SpanKind.CLIENT, HTTP_START);
  }

  /** The configured sampler's case: the HTTP span under the LLM span it dropped. */
  @Benchmark
  public SamplingResult decideSpanUnderDroppedLlmConfigured() {
    return decide(configured, inDroppedTrace, "POST", SpanKind.CLIENT, HTTP_START);
  }

  @Benchmark
  public SamplingResult decideSpanUnderKeptLlmWrapped() {
    return decide(wrapped, underKeptSpan, "POST", SpanKind.CLIENT, HTTP_START);
  }

  @Benchmark
  public void spanLlmInDroppedTraceConfigured() {
    configuredTracer.spanBuilder("chat gpt-4o-mini").setSpanKind(SpanKind.CLIENT)
        .setAllAttributes(LLM_START).setParent(inDroppedTrace).startSpan().end();
  }

  @Benchmark
  public void spanLlmInDroppedTraceWrapped() {
    wrappedTracer.spanBuilder("chat gpt-4o-mini").setSpanKind(SpanKind.CLIENT)
        .setAllAttributes(LLM_START).setParent(inDroppedTrace).startSpan().end();
  }

  @Benchmark
  public void spanUnderSampledParentConfigured() {
    configuredTracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT)
        .setAllAttributes(HTTP_START).setParent(underSampledSpan).startSpan().end();
  }

  @Benchmark
  public void spanUnderSampledParentWrapped() {
    wrappedTracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT)
        .setAllAttributes(HTTP_START).setParent(underSampledSpan).startSpan().end();
  }

  @Benchmark
  public Context carryWithoutHeaders() {
    return InboundAttribution.carry(underSampledSpan, HTTP_START);
  }

  @Benchmark
  public Context carryWithHeaders() {
    return InboundAttribution.carry(inDroppedTrace, SERVER_START_WITH_HEADERS);
  }
}
