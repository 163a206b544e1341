package dev.costtrace.agent.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.sampling.GenAiKeepingSampler;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The LLM call of a request whose server span was not sampled still gets the request's attribution:
 * the server instrumenter's context customizer carries the captured headers in the context, through
 * unsampled spans, to the kept LLM span — the fields trusted from inbound requests only ({@code
 * costtrace.agent.trust.inbound}; not the tenant by default).
 */
class InboundAttributionTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private OpenTelemetrySdk otel;

  @AfterEach
  void close() {
    otel.close();
  }

  private static final AttributeKey<String> TENANT = AttributeKey.stringKey("costtrace.tenant.id");

  private void start(Sampler configured) {
    start(configured, AttributionSettings.defaults());
  }

  private void start(Sampler configured, AttributionSettings settings) {
    InboundAttribution.install(settings);
    otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setSampler(GenAiKeepingSampler.wrap(configured))
                    .addSpanProcessor(new AttributionSpanProcessor(settings))
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .build();
  }

  /**
   * An HTTP server instrumenter as the agent builds it: the headers the agent captures among the
   * start attributes, and our context customizer (added to every instrumenter by {@link
   * AttributionContextCustomizer}).
   */
  private Instrumenter<Map<String, String>, Void> server() {
    return Instrumenter.<Map<String, String>, Void>builder(
            otel, "test.http-server", r -> "GET /ask")
        .addAttributesExtractor(
            AttributesExtractor.<Map<String, String>, Void, String>constant(
                AttributeKey.stringKey("http.request.method"), "GET"))
        .addAttributesExtractor(
            new AttributesExtractor<Map<String, String>, Void>() {
              @Override
              public void onStart(
                  io.opentelemetry.api.common.AttributesBuilder attributes,
                  Context parentContext,
                  Map<String, String> headers) {
                headers.forEach(
                    (name, value) ->
                        attributes.put(
                            AttributeKey.stringArrayKey("http.request.header." + name),
                            Arrays.asList(value)));
              }

              @Override
              public void onEnd(
                  io.opentelemetry.api.common.AttributesBuilder attributes,
                  Context context,
                  Map<String, String> headers,
                  Void response,
                  Throwable error) {}
            })
        .addContextCustomizer(AttributionContextCustomizer.CARRY)
        .buildInstrumenter(SpanKindExtractor.alwaysServer());
  }

  private static Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("x-conversation-id", "conv-header-1");
    h.put("x-tenant-id", "acme");
    h.put("x-user-id", "user-42");
    h.put("x-feature", "support-bot");
    return h;
  }

  /** Serves one request: server span, an app span, the LLM call inside. */
  private void serve(Map<String, String> headers, Supplier<Context> around) {
    Instrumenter<Map<String, String>, Void> server = server();
    Context request = server.start(around.get(), headers);
    try (Scope s = request.makeCurrent()) {
      Span app = otel.getTracer("app").spanBuilder("answer").startSpan();
      try (Scope a = app.makeCurrent()) {
        GenAiInstrumenter llm = GenAiInstrumenter.create(otel, "dev.costtrace.test");
        GenAiRequest call =
            GenAiRequest.builder("openai", "chat").requestModel("gpt-4o-mini").build();
        llm.end(llm.start(Context.current(), call), call, null, null);
      }
      app.end();
    }
    server.end(request, headers, null, null);
  }

  private SpanData llmSpan() {
    List<SpanData> spans = exporter.getFinishedSpanItems();
    return spans.stream()
        .filter(s -> s.getAttributes().get(GenAiAttributes.OPERATION_NAME) != null)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no LLM span in " + spans));
  }

  @Test
  void theHeadersReachTheKeptLlmSpanThroughUnsampledSpans() {
    start(Sampler.parentBased(Sampler.traceIdRatioBased(0)));
    serve(headers(), Context::root);

    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
    SpanData llm = llmSpan();
    assertThat(llm.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isTrue();
    assertThat(llm.getAttributes().get(GenAiAttributes.CONVERSATION_ID)).isEqualTo("conv-header-1");
    assertThat(llm.getAttributes().get(AttributeKey.stringKey("user.id"))).isEqualTo("user-42");
    assertThat(llm.getAttributes().get(AttributeKey.stringKey("costtrace.feature")))
        .isEqualTo("support-bot");
    // The tenant is not trusted from inbound requests by default: not carried, not written.
    assertThat(llm.getAttributes().get(TENANT)).isNull();
  }

  @Test
  void aTrustedTenantHeaderReachesTheKeptLlmSpanToo() {
    start(
        Sampler.parentBased(Sampler.traceIdRatioBased(0)),
        AttributionSettings.fromProperties(
            k ->
                k.equals(AttributionSettings.TRUST_INBOUND_KEY)
                    ? "conversation,tenant,user,feature"
                    : null));
    serve(headers(), Context::root);

    SpanData llm = llmSpan();
    assertThat(llm.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isTrue();
    assertThat(llm.getAttributes().get(TENANT)).isEqualTo("acme");
    assertThat(llm.getAttributes().get(GenAiAttributes.CONVERSATION_ID)).isEqualTo("conv-header-1");
  }

  @Test
  void sampledTheSameAttributionOnEverySpan() {
    start(Sampler.alwaysOn());
    serve(headers(), Context::root);

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(3);
    assertThat(spans)
        .allSatisfy(
            s -> {
              assertThat(s.getAttributes().get(GenAiAttributes.CONVERSATION_ID))
                  .isEqualTo("conv-header-1");
              assertThat(s.getAttributes().get(AttributeKey.stringKey("user.id")))
                  .isEqualTo("user-42");
              assertThat(s.getAttributes().get(TENANT)).isNull();
              assertThat(s.getAttributes().get(GenAiKeepingSampler.KEPT_FOR_COST)).isNull();
            });
  }

  @Test
  void baggageStillWinsOverTheHeader() {
    start(Sampler.parentBased(Sampler.traceIdRatioBased(0)));
    Baggage baggage = Baggage.builder().put("gen_ai.conversation.id", "conv-baggage-7").build();
    serve(headers(), () -> Context.root().with(baggage));

    SpanData llm = llmSpan();
    assertThat(llm.getAttributes().get(GenAiAttributes.CONVERSATION_ID))
        .isEqualTo("conv-baggage-7");
    assertThat(llm.getAttributes().get(AttributeKey.stringKey("user.id"))).isEqualTo("user-42");
  }

  @Test
  void aFieldWithoutItsHeaderStaysEmpty() {
    start(Sampler.parentBased(Sampler.traceIdRatioBased(0)));
    Map<String, String> onlyUser = new LinkedHashMap<>();
    onlyUser.put("x-user-id", "user-42");
    serve(onlyUser, Context::root);

    SpanData llm = llmSpan();
    assertThat(llm.getAttributes().get(AttributeKey.stringKey("user.id"))).isEqualTo("user-42");
    assertThat(llm.getAttributes().get(GenAiAttributes.CONVERSATION_ID)).isNull();
  }
}
