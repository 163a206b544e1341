package dev.costtrace.bench.agent;

import dev.costtrace.agent.attribution.AttributionSettings;
import dev.costtrace.agent.attribution.InboundAttribution;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.sampling.GenAiKeepingSampler;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

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
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@OperationsPerInvocation(SamplingBenchmark.OPS)
public class SamplingBenchmark {
  /**
   * Operations per timed invocation: each sample times a loop of them, long enough for the timer,
   * short enough that most samples run undisturbed on a shared machine (the p50 is the figure).
   */
  static final int OPS = 64;

  /**
   * What an LLM client span carries at start (the upstream OpenAI chat span's start attributes).
   */
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
          .put(
              AttributeKey.stringArrayKey("http.request.header.x-conversation-id"),
              Arrays.asList("conv-bench-1"))
          .put(
              AttributeKey.stringArrayKey("http.request.header.x-tenant-id"), Arrays.asList("acme"))
          .build();

  /** Distinct traces the loops go through, so that no decision is the same as the one before. */
  private static final int TRACES = 64;

  private Sampler configured;
  private Sampler wrapped;
  private SdkTracerProvider configuredProvider;
  private SdkTracerProvider wrappedProvider;
  private SdkTracerProvider alwaysOnProvider;
  private Tracer configuredTracer;
  private Tracer wrappedTracer;
  private final String[] traceIds = new String[TRACES];
  private final Context[] inDroppedTrace = new Context[TRACES];
  private final Context[] underSampledSpan = new Context[TRACES];
  private final Context[] underKeptSpan = new Context[TRACES];
  private final Span[] openSpans = new Span[2 * TRACES];

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
    Tracer alwaysOn = alwaysOnProvider.get("bench");
    Random random = new Random(42);
    for (int i = 0; i < TRACES; i++) {
      traceIds[i] = TraceId.fromLongs(random.nextLong(), random.nextLong());
      // A dropped span, as the SDK makes it: a non-recording span with an unsampled context.
      inDroppedTrace[i] =
          Context.root()
              .with(
                  Span.wrap(
                      SpanContext.create(
                          traceIds[i],
                          SpanId.fromLong(random.nextLong() | 1),
                          TraceFlags.getDefault(),
                          TraceState.getDefault())));
      Span sampled = alwaysOn.spanBuilder("answer").startSpan();
      underSampledSpan[i] = Context.root().with(sampled);
      Span kept =
          wrappedTracer
              .spanBuilder("chat gpt-4o-mini")
              .setSpanKind(SpanKind.CLIENT)
              .setAllAttributes(LLM_START)
              .setParent(inDroppedTrace[i])
              .startSpan();
      if (!kept.getSpanContext().isSampled()) {
        throw new IllegalStateException("the LLM span was not kept");
      }
      underKeptSpan[i] = Context.root().with(kept);
      openSpans[2 * i] = sampled;
      openSpans[2 * i + 1] = kept;
    }
  }

  private static SdkTracerProvider provider(Sampler sampler) {
    return SdkTracerProvider.builder()
        .setSampler(sampler)
        .addSpanProcessor(
            BatchSpanProcessor.builder(new AgentHotPathBenchmark.NoopExporter()).build())
        .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (Span open : openSpans) {
      open.end();
    }
    configuredProvider.close();
    wrappedProvider.close();
    alwaysOnProvider.close();
  }

  private SamplingResult decide(
      Sampler s, Context[] parents, int i, String name, SpanKind kind, Attributes attributes) {
    int k = i & (TRACES - 1);
    return s.shouldSample(parents[k], traceIds[k], name, kind, attributes, Collections.emptyList());
  }

  @Benchmark
  public void decideLlmInDroppedTraceConfigured(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(
          decide(configured, inDroppedTrace, i, "chat gpt-4o-mini", SpanKind.CLIENT, LLM_START));
    }
  }

  @Benchmark
  public void decideLlmInDroppedTraceWrapped(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(
          decide(wrapped, inDroppedTrace, i, "chat gpt-4o-mini", SpanKind.CLIENT, LLM_START));
    }
  }

  @Benchmark
  public void decideSpanUnderSampledParentConfigured(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(decide(configured, underSampledSpan, i, "POST", SpanKind.CLIENT, HTTP_START));
    }
  }

  @Benchmark
  public void decideSpanUnderSampledParentWrapped(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(decide(wrapped, underSampledSpan, i, "POST", SpanKind.CLIENT, HTTP_START));
    }
  }

  /** The configured sampler's case: the HTTP span under the LLM span it dropped. */
  @Benchmark
  public void decideSpanUnderDroppedLlmConfigured(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(decide(configured, inDroppedTrace, i, "POST", SpanKind.CLIENT, HTTP_START));
    }
  }

  @Benchmark
  public void decideSpanUnderKeptLlmWrapped(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(decide(wrapped, underKeptSpan, i, "POST", SpanKind.CLIENT, HTTP_START));
    }
  }

  @Benchmark
  public void spanLlmInDroppedTraceConfigured(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      configuredTracer
          .spanBuilder("chat gpt-4o-mini")
          .setSpanKind(SpanKind.CLIENT)
          .setAllAttributes(LLM_START)
          .setParent(inDroppedTrace[i & (TRACES - 1)])
          .startSpan()
          .end();
    }
  }

  @Benchmark
  public void spanLlmInDroppedTraceWrapped(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      wrappedTracer
          .spanBuilder("chat gpt-4o-mini")
          .setSpanKind(SpanKind.CLIENT)
          .setAllAttributes(LLM_START)
          .setParent(inDroppedTrace[i & (TRACES - 1)])
          .startSpan()
          .end();
    }
  }

  @Benchmark
  public void spanUnderSampledParentConfigured(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      configuredTracer
          .spanBuilder("POST")
          .setSpanKind(SpanKind.CLIENT)
          .setAllAttributes(HTTP_START)
          .setParent(underSampledSpan[i & (TRACES - 1)])
          .startSpan()
          .end();
    }
  }

  @Benchmark
  public void spanUnderSampledParentWrapped(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      wrappedTracer
          .spanBuilder("POST")
          .setSpanKind(SpanKind.CLIENT)
          .setAllAttributes(HTTP_START)
          .setParent(underSampledSpan[i & (TRACES - 1)])
          .startSpan()
          .end();
    }
  }

  @Benchmark
  public void carryWithoutHeaders(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(InboundAttribution.carry(underSampledSpan[i & (TRACES - 1)], HTTP_START));
    }
  }

  @Benchmark
  public void carryWithHeaders(Blackhole bh) {
    for (int i = 0; i < OPS; i++) {
      bh.consume(
          InboundAttribution.carry(inDroppedTrace[i & (TRACES - 1)], SERVER_START_WITH_HEADERS));
    }
  }
}
