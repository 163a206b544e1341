package dev.costtrace.agent.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.agent.genai.GenAiAttributes;
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
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GenAiKeepingSamplerTest {
  private static final Attributes CHAT =
      Attributes.of(
          GenAiAttributes.OPERATION_NAME, "chat", GenAiAttributes.PROVIDER_NAME, "openai");
  private static final Attributes TOOL =
      Attributes.of(GenAiAttributes.OPERATION_NAME, "execute_tool");

  /** A tracer provider exporting what it samples to {@code exporter}, IDs from a fixed seed. */
  private static SdkTracerProvider provider(Sampler sampler, InMemorySpanExporter exporter) {
    return SdkTracerProvider.builder()
        .setSampler(sampler)
        .setIdGenerator(new SeededIds(20260719L))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
        .build();
  }

  /**
   * One request of an app: server span, an app span, the LLM call with the HTTP client span of its
   * request under it, then a tool execution with a database call inside. Returns the HTTP client
   * span's context, the one an instrumentation injects into the outgoing request.
   */
  private static SpanContext request(Tracer tracer) {
    Span server = tracer.spanBuilder("GET /ask").setSpanKind(SpanKind.SERVER).startSpan();
    SpanContext outgoing;
    try (Scope s = server.makeCurrent()) {
      Span app = tracer.spanBuilder("answer").startSpan();
      try (Scope a = app.makeCurrent()) {
        Span llm =
            tracer
                .spanBuilder("chat gpt-4o-mini")
                .setSpanKind(SpanKind.CLIENT)
                .setAllAttributes(CHAT)
                .startSpan();
        try (Scope l = llm.makeCurrent()) {
          Span http = tracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT).startSpan();
          outgoing = http.getSpanContext();
          http.end();
        }
        llm.end();
        Span tool = tracer.spanBuilder("execute_tool lookup").setAllAttributes(TOOL).startSpan();
        try (Scope t = tool.makeCurrent()) {
          tracer.spanBuilder("SELECT orders").setSpanKind(SpanKind.CLIENT).startSpan().end();
        }
        tool.end();
      }
      app.end();
    }
    server.end();
    return outgoing;
  }

  @Test
  void atRatioZeroOnlyTheLlmAndToolSpansAreExportedMarkedKeptForCost() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (SdkTracerProvider tp =
        provider(
            GenAiKeepingSampler.wrap(Sampler.parentBased(Sampler.traceIdRatioBased(0))),
            exporter)) {
      SpanContext outgoing = request(tp.get("test"));

      List<SpanData> spans = exporter.getFinishedSpanItems();
      assertThat(spans)
          .extracting(SpanData::getName)
          .containsExactlyInAnyOrder("chat gpt-4o-mini", "execute_tool lookup");
      for (SpanData s : spans) {
        assertThat(s.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isTrue();
        assertThat(s.getSpanContext().isSampled()).isTrue();
        // The parent exists (its ID is there) but was not sampled: the receiver must not need it.
        assertThat(s.getParentSpanContext().isValid()).isTrue();
        assertThat(s.getParentSpanContext().isSampled()).isFalse();
      }
      // The request under the kept LLM span goes out unsampled, as without CostTrace.
      assertThat(outgoing.isValid()).isTrue();
      assertThat(outgoing.isSampled()).isFalse();
    }
  }

  @Test
  void aSampledTraceIsExportedWholeAndUnmarked() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (SdkTracerProvider tp =
        provider(GenAiKeepingSampler.wrap(Sampler.parentBased(Sampler.alwaysOn())), exporter)) {
      SpanContext outgoing = request(tp.get("test"));

      List<SpanData> spans = exporter.getFinishedSpanItems();
      assertThat(spans).hasSize(6);
      assertThat(spans)
          .allSatisfy(
              s -> assertThat(s.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isNull());
      assertThat(outgoing.isSampled()).isTrue();
    }
  }

  /**
   * The same requests under the plain sampler and under the wrapped one, with the same IDs: the
   * wrapped one exports exactly the spans the plain one exports, plus every LLM and tool span of
   * the traces it dropped — those, and only those, marked kept for cost.
   */
  @Test
  void theAppsOtherSpansAreSampledExactlyAsConfigured() {
    int requests = 5_000;
    Sampler configured = Sampler.parentBased(Sampler.traceIdRatioBased(0.1));
    InMemorySpanExporter plain = InMemorySpanExporter.create();
    InMemorySpanExporter wrapped = InMemorySpanExporter.create();
    List<SpanContext> outgoingPlain = new ArrayList<>();
    List<SpanContext> outgoingWrapped = new ArrayList<>();
    List<SpanData> plainSpans;
    List<SpanData> wrappedSpans;
    // (closing a provider clears its in-memory exporter)
    try (SdkTracerProvider a = provider(configured, plain);
        SdkTracerProvider b = provider(GenAiKeepingSampler.wrap(configured), wrapped)) {
      for (int i = 0; i < requests; i++) {
        outgoingPlain.add(request(a.get("test")));
        outgoingWrapped.add(request(b.get("test")));
      }
      plainSpans = plain.getFinishedSpanItems();
      wrappedSpans = wrapped.getFinishedSpanItems();
    }
    Set<String> sampledTraces =
        plainSpans.stream().map(SpanData::getTraceId).collect(Collectors.toSet());
    // The fixed seed gives 530 sampled traces of 5,000: the sampler's 10 % (±1.4 % allowed).
    assertThat(sampledTraces.size()).isBetween(430, 570);

    Map<Boolean, List<SpanData>> byCost =
        wrappedSpans.stream()
            .collect(
                Collectors.partitioningBy(
                    s -> s.getAttributes().get(GenAiAttributes.OPERATION_NAME) != null));
    assertThat(ids(byCost.get(false)))
        .isEqualTo(
            ids(
                plainSpans.stream()
                    .filter(s -> s.getAttributes().get(GenAiAttributes.OPERATION_NAME) == null)
                    .collect(Collectors.toList())));
    assertThat(byCost.get(true)).hasSize(2 * requests);
    for (SpanData s : byCost.get(true)) {
      boolean dropped = !sampledTraces.contains(s.getTraceId());
      assertThat(s.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST))
          .isEqualTo(dropped ? Boolean.TRUE : null);
    }
    // Downstream services see the same flags on every request.
    assertThat(outgoingWrapped)
        .extracting(SpanContext::getTraceFlags)
        .isEqualTo(
            outgoingPlain.stream().map(SpanContext::getTraceFlags).collect(Collectors.toList()));
  }

  private static Set<String> ids(List<SpanData> spans) {
    Set<String> ids = new HashSet<>();
    for (SpanData s : spans) {
      ids.add(s.getTraceId() + "/" + s.getSpanId() + "/" + s.getName());
    }
    return ids;
  }

  @Test
  void anLlmCallUnderAnUnsampledRemoteParentIsKept() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (SdkTracerProvider tp =
        provider(GenAiKeepingSampler.wrap(Sampler.parentBased(Sampler.alwaysOn())), exporter)) {
      SpanContext remote =
          SpanContext.createFromRemoteParent(
              "0af7651916cd43dd8448eb211c80319c",
              "b7ad6b7169203331",
              TraceFlags.getDefault(),
              TraceState.getDefault());
      Context parent = Context.root().with(Span.wrap(remote));
      Tracer tracer = tp.get("test");
      tracer
          .spanBuilder("GET /ask")
          .setSpanKind(SpanKind.SERVER)
          .setParent(parent)
          .startSpan()
          .end();
      tracer
          .spanBuilder("chat gpt-4o-mini")
          .setSpanKind(SpanKind.CLIENT)
          .setAllAttributes(CHAT)
          .setParent(parent)
          .startSpan()
          .end();

      assertThat(exporter.getFinishedSpanItems())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getName()).isEqualTo("chat gpt-4o-mini");
                assertThat(s.getTraceId()).isEqualTo(remote.getTraceId());
                assertThat(s.getParentSpanId()).isEqualTo(remote.getSpanId());
                assertThat(s.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isTrue();
              });
    }
  }

  @Test
  void onlyClientGenAiSpansAndToolExecutionsCarryCost() {
    assertThat(GenAiKeepingSampler.carriesCost(SpanKind.CLIENT, CHAT)).isTrue();
    assertThat(
            GenAiKeepingSampler.carriesCost(
                SpanKind.CLIENT, Attributes.of(GenAiAttributes.OPERATION_NAME, "embeddings")))
        .isTrue();
    assertThat(GenAiKeepingSampler.carriesCost(SpanKind.INTERNAL, TOOL)).isTrue();
    // An agent or workflow span wrapping calls has no price of its own.
    assertThat(
            GenAiKeepingSampler.carriesCost(
                SpanKind.INTERNAL, Attributes.of(GenAiAttributes.OPERATION_NAME, "invoke_agent")))
        .isFalse();
    assertThat(GenAiKeepingSampler.carriesCost(SpanKind.CLIENT, Attributes.empty())).isFalse();
    assertThat(GenAiKeepingSampler.carriesCost(SpanKind.SERVER, Attributes.empty())).isFalse();
  }

  @Test
  void theConfiguredSamplersAttributesAndTraceStateAreKept() {
    Sampler configured =
        new Sampler() {
          @Override
          public SamplingResult shouldSample(
              Context parentContext,
              String traceId,
              String name,
              SpanKind spanKind,
              Attributes attributes,
              List<io.opentelemetry.sdk.trace.data.LinkData> links) {
            return new SamplingResult() {
              @Override
              public SamplingDecision getDecision() {
                return SamplingDecision.DROP;
              }

              @Override
              public Attributes getAttributes() {
                return Attributes.of(
                    io.opentelemetry.api.common.AttributeKey.stringKey("sampler.rule"), "drop-llm");
              }

              @Override
              public TraceState getUpdatedTraceState(TraceState parentTraceState) {
                return parentTraceState.toBuilder().put("vendor", "seen").build();
              }
            };
          }

          @Override
          public String getDescription() {
            return "Custom";
          }
        };
    Sampler sampler = GenAiKeepingSampler.wrap(configured);
    SamplingResult r =
        sampler.shouldSample(
            Context.root(),
            TraceId.fromLongs(1, 2),
            "chat m",
            SpanKind.CLIENT,
            CHAT,
            Collections.emptyList());

    assertThat(r.getDecision()).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
    assertThat(r.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isTrue();
    assertThat(
            r.getAttributes()
                .get(io.opentelemetry.api.common.AttributeKey.stringKey("sampler.rule")))
        .isEqualTo("drop-llm");
    assertThat(r.getUpdatedTraceState(TraceState.getDefault()).get("vendor")).isEqualTo("seen");
    assertThat(sampler.getDescription()).isEqualTo("CostTraceGenAiKeeping{Custom}");
    assertThat(GenAiKeepingSampler.wrap(sampler)).isSameAs(sampler);
    assertThatThrownBy(() -> GenAiKeepingSampler.wrap(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("configured sampler must not be null");
  }

  @Test
  void aFailureOfOursFallsBackToTheConfiguredDecision() {
    Span broken =
        new Span() {
          @Override
          public SpanContext getSpanContext() {
            throw new IllegalStateException("broken span");
          }

          @Override
          public <T> Span setAttribute(io.opentelemetry.api.common.AttributeKey<T> key, T value) {
            return this;
          }

          @Override
          public Span addEvent(String name, Attributes attributes) {
            return this;
          }

          @Override
          public Span addEvent(
              String name,
              Attributes attributes,
              long timestamp,
              java.util.concurrent.TimeUnit unit) {
            return this;
          }

          @Override
          public Span setStatus(
              io.opentelemetry.api.trace.StatusCode statusCode, String description) {
            return this;
          }

          @Override
          public Span recordException(Throwable exception, Attributes additionalAttributes) {
            return this;
          }

          @Override
          public Span updateName(String name) {
            return this;
          }

          @Override
          public void end() {}

          @Override
          public void end(long timestamp, java.util.concurrent.TimeUnit unit) {}

          @Override
          public boolean isRecording() {
            return false;
          }
        };
    Context parent = Context.root().with(broken);
    SamplingResult r =
        GenAiKeepingSampler.wrap(Sampler.alwaysOff())
            .shouldSample(
                parent,
                TraceId.fromLongs(1, 2),
                "GET /",
                SpanKind.SERVER,
                Attributes.empty(),
                Collections.emptyList());
    assertThat(r.getDecision()).isEqualTo(SamplingDecision.DROP);
  }

  @Test
  void theSettingIsOnByDefaultAndFailsNamingTheKey() {
    assertThat(SamplingSettings.defaults().keepGenAiSpans()).isTrue();
    assertThat(SamplingSettings.fromProperties(k -> null).keepGenAiSpans()).isTrue();
    Map<String, String> off = new HashMap<>();
    off.put(SamplingSettings.KEEP_GENAI_SPANS_PROPERTY, " FALSE ");
    assertThat(SamplingSettings.fromProperties(off::get).keepGenAiSpans()).isFalse();
    assertThatThrownBy(() -> SamplingSettings.fromProperties(k -> "no"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid value for costtrace.agent.keep-genai-spans: 'no' (expected true or false)");
  }

  /** Trace and span IDs from a seeded generator: two providers given the same seed agree. */
  private static final class SeededIds implements IdGenerator {
    private final Random random;

    SeededIds(long seed) {
      this.random = new Random(seed);
    }

    @Override
    public String generateSpanId() {
      long id;
      do {
        id = random.nextLong();
      } while (id == 0);
      return SpanId.fromLong(id);
    }

    @Override
    public String generateTraceId() {
      long high;
      long low;
      do {
        high = random.nextLong();
        low = random.nextLong();
      } while (high == 0 && low == 0);
      return TraceId.fromLongs(high, low);
    }
  }
}
