package dev.costtrace.agent.genai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenAiInstrumenterTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider tracerProvider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
  private final GenAiInstrumenter tracer = GenAiInstrumenter.create(otel, "dev.costtrace.test");

  @AfterEach
  void close() {
    otel.close();
  }

  private static GenAiRequest anthropicRequest() {
    return GenAiRequest.builder(GenAiAttributes.PROVIDER_ANTHROPIC, GenAiAttributes.OPERATION_CHAT)
        .requestModel("claude-sonnet-4-5")
        .maxTokens(1024L)
        .conversationId("conv-from-request")
        .serverAddress("api.anthropic.com")
        .serverPort(443L)
        .build();
  }

  @Test
  void oneClientSpanWithRequestResponseAndUsageAttributes() {
    GenAiRequest request = anthropicRequest();
    Context ctx = tracer.start(Context.root(), request);
    assertThat(ctx).isNotNull();
    GenAiResponse response =
        GenAiResponse.builder()
            .responseId("msg_01")
            .responseModel("claude-sonnet-4-5-20250929")
            .addFinishReason("end_turn")
            .serviceTier("standard")
            .usage(
                GenAiUsage.builder()
                    .inputTokens(GenAiUsage.inputIncludingCache(12L, 2000L, 3000L))
                    .outputTokens(300L)
                    .cacheReadInputTokens(2000L)
                    .cacheCreationInputTokens(3000L)
                    .cacheCreation5mInputTokens(1000L)
                    .cacheCreation1hInputTokens(2000L)
                    .build())
            .build();
    tracer.end(ctx, request, response, null);

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(1);
    SpanData span = spans.get(0);
    assertThat(span.getName()).isEqualTo("chat claude-sonnet-4-5");
    assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
    Attributes a = span.getAttributes();
    assertThat(a.get(GenAiAttributes.PROVIDER_NAME)).isEqualTo("anthropic");
    assertThat(a.get(GenAiAttributes.OPERATION_NAME)).isEqualTo("chat");
    assertThat(a.get(GenAiAttributes.REQUEST_MODEL)).isEqualTo("claude-sonnet-4-5");
    assertThat(a.get(GenAiAttributes.REQUEST_MAX_TOKENS)).isEqualTo(1024L);
    assertThat(a.get(GenAiAttributes.CONVERSATION_ID)).isEqualTo("conv-from-request");
    assertThat(a.get(GenAiAttributes.RESPONSE_ID)).isEqualTo("msg_01");
    assertThat(a.get(GenAiAttributes.RESPONSE_MODEL)).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(a.get(GenAiAttributes.RESPONSE_FINISH_REASONS))
        .isEqualTo(Collections.singletonList("end_turn"));
    assertThat(a.get(GenAiAttributes.ANTHROPIC_RESPONSE_SERVICE_TIER)).isEqualTo("standard");
    assertThat(a.get(GenAiAttributes.OPENAI_RESPONSE_SERVICE_TIER)).isNull();
    assertThat(a.get(GenAiAttributes.USAGE_INPUT_TOKENS)).isEqualTo(5012L);
    assertThat(a.get(GenAiAttributes.USAGE_OUTPUT_TOKENS)).isEqualTo(300L);
    assertThat(a.get(GenAiAttributes.USAGE_CACHE_READ_INPUT_TOKENS)).isEqualTo(2000L);
    assertThat(a.get(GenAiAttributes.USAGE_CACHE_CREATION_INPUT_TOKENS)).isEqualTo(3000L);
    assertThat(a.get(GenAiAttributes.USAGE_CACHE_CREATION_5M_INPUT_TOKENS)).isEqualTo(1000L);
    assertThat(a.get(GenAiAttributes.USAGE_CACHE_CREATION_1H_INPUT_TOKENS)).isEqualTo(2000L);
    assertThat(a.get(GenAiAttributes.USAGE_REASONING_OUTPUT_TOKENS)).isNull();
    assertThat(a.get(GenAiAttributes.ERROR_TYPE)).isNull();
  }

  @Test
  void openAiServiceTierGoesToTheOpenAiKeys() {
    GenAiRequest request =
        GenAiRequest.builder(GenAiAttributes.PROVIDER_OPENAI, GenAiAttributes.OPERATION_CHAT)
            .requestModel("gpt-5-mini")
            .serviceTier("flex")
            .build();
    Context ctx = tracer.start(Context.root(), request);
    tracer.end(ctx, request, GenAiResponse.builder().serviceTier("flex").build(), null);
    Attributes a = exporter.getFinishedSpanItems().get(0).getAttributes();
    assertThat(a.get(GenAiAttributes.OPENAI_REQUEST_SERVICE_TIER)).isEqualTo("flex");
    assertThat(a.get(GenAiAttributes.OPENAI_RESPONSE_SERVICE_TIER)).isEqualTo("flex");
    assertThat(a.get(GenAiAttributes.ANTHROPIC_RESPONSE_SERVICE_TIER)).isNull();
  }

  @Test
  void innerLayerMakesNoSecondSpanUnderAnActiveGenAiSpan() {
    GenAiRequest request = anthropicRequest();
    Context outer = tracer.start(Context.root(), request);
    assertThat(GenAiSpans.isActive(outer)).isTrue();
    assertThat(tracer.start(outer, request)).isNull();
    tracer.end(null, request, null, null);
    tracer.end(outer, request, null, null);
    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
  }

  @Test
  void spanOfAnotherInstrumentationWithGenAiOperationCountsAsActive() {
    Span upstream =
        otel.getTracer("upstream")
            .spanBuilder("chat gpt-4o")
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute(GenAiAttributes.OPERATION_NAME, "chat")
            .startSpan();
    Span http =
        otel.getTracer("upstream").spanBuilder("POST").setSpanKind(SpanKind.CLIENT).startSpan();
    assertThat(GenAiSpans.isActive(Context.root().with(upstream))).isTrue();
    assertThat(GenAiSpans.isActive(Context.root().with(http))).isFalse();
    assertThat(GenAiSpans.isActive(Context.root())).isFalse();
    assertThat(GenAiSpans.isActive(null)).isFalse();
    upstream.end();
    http.end();
  }

  @Test
  void errorSetsErrorTypeAndStatus() {
    GenAiRequest request = anthropicRequest();
    Context ctx = tracer.start(Context.root(), request);
    tracer.end(ctx, request, null, new IllegalStateException("429"));
    SpanData span = exporter.getFinishedSpanItems().get(0);
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(GenAiAttributes.ERROR_TYPE))
        .isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void streamEndsOnceWithTimeToFirstTokenAndAccumulatedUsage() {
    GenAiRequest request =
        GenAiRequest.builder(GenAiAttributes.PROVIDER_OPENAI, GenAiAttributes.OPERATION_CHAT)
            .requestModel("gpt-4o-mini")
            .streaming(true)
            .build();
    GenAiStream stream = tracer.startStream(Context.root(), request);
    assertThat(stream.isRecording()).isTrue();
    assertThat(GenAiSpans.isActive(stream.context())).isTrue();
    stream.onChunk();
    stream.response().responseId("chatcmpl-1").responseModel("gpt-4o-mini-2024-07-18");
    stream.onChunk();
    stream.response().addFinishReason("stop");
    stream.response().usage(GenAiUsage.builder().inputTokens(20L).outputTokens(5L).build());
    stream.complete();
    stream.close();
    stream.fail(new RuntimeException("after end"));
    assertThat(stream.isRecording()).isFalse();

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(1);
    Attributes a = spans.get(0).getAttributes();
    assertThat(a.get(GenAiAttributes.TIME_TO_FIRST_TOKEN_NS))
        .isNotNull()
        .isGreaterThanOrEqualTo(0L);
    assertThat(a.get(GenAiAttributes.USAGE_INPUT_TOKENS)).isEqualTo(20L);
    assertThat(a.get(GenAiAttributes.RESPONSE_FINISH_REASONS)).isEqualTo(Arrays.asList("stop"));
    assertThat(a.get(GenAiAttributes.ERROR_TYPE)).isNull();
  }

  @Test
  void streamClosedEarlyEndsWithWhatArrivedAndStreamUnderActiveSpanIsNoop() {
    GenAiRequest request = anthropicRequest();
    GenAiStream stream = tracer.startStream(Context.root(), request);
    stream.response().responseId("msg_partial");
    GenAiStream inner = tracer.startStream(stream.context(), request);
    assertThat(inner.isRecording()).isFalse();
    assertThat(inner.context()).isSameAs(stream.context());
    inner.complete();
    stream.close();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(1);
    assertThat(spans.get(0).getAttributes().get(GenAiAttributes.RESPONSE_ID))
        .isEqualTo("msg_partial");
  }

  @Test
  void aStreamThatNeverEndsIsEndedByItsTimeoutWithErrorTypeTimeout() throws Exception {
    GenAiStream stream = tracer.startStream(Context.root(), anthropicRequest());
    stream.response().responseId("msg_stalled");
    stream.timeoutAfter(50);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    // The timer thread ends it; the span is exported just after the stream stops recording.
    while (exporter.getFinishedSpanItems().isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(stream.isRecording()).isFalse();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(1);
    assertThat(spans.get(0).getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo("timeout");
    assertThat(spans.get(0).getAttributes().get(GenAiAttributes.RESPONSE_ID))
        .isEqualTo("msg_stalled");
    assertThat(spans.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    stream.complete(); // a late end changes nothing
    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
  }

  @Test
  void aStreamEndingInTimeCancelsItsTimeout() {
    GenAiStream stream = tracer.startStream(Context.root(), anthropicRequest());
    stream.timeoutAfter(60_000);
    stream.complete();
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(1);
    assertThat(spans.get(0).getAttributes().get(GenAiAttributes.ERROR_TYPE)).isNull();
    assertThat(spans.get(0).getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
  }

  @Test
  void serverComesFromTheBaseUrlWithTheSchemesDefaultPort() {
    GenAiRequest.Builder b = GenAiRequest.builder("openai", "chat");
    assertThat(b.server("https://api.openai.com/v1").build().serverAddress())
        .isEqualTo("api.openai.com");
    assertThat(b.server("https://api.openai.com/v1").build().serverPort()).isEqualTo(443L);
    assertThat(b.server("http://127.0.0.1:8080/v1").build().serverPort()).isEqualTo(8080L);
    assertThat(b.server("http://vendor/").build().serverPort()).isEqualTo(80L);
    GenAiRequest none =
        GenAiRequest.builder("openai", "chat").server("not a url").server(null).build();
    assertThat(none.serverAddress()).isNull();
    assertThat(none.serverPort()).isNull();
  }

  @Test
  void modelRejectsWhatCannotBeRight() {
    assertThatThrownBy(() -> GenAiRequest.builder(" ", "chat"))
        .hasMessage("provider must not be blank");
    assertThatThrownBy(() -> GenAiUsage.builder().inputTokens(-1L))
        .hasMessage("inputTokens must be non-negative: -1");
    assertThat(GenAiUsage.inputIncludingCache(null, null, null)).isNull();
    assertThat(GenAiUsage.inputIncludingCache(10L, null, 5L)).isEqualTo(15L);
  }

  @Test
  void captureContentIsOffByDefaultAndBadValuesFailNamingTheKey() {
    assertThat(GenAiSettings.defaults().captureContent()).isFalse();
    assertThat(GenAiSettings.fromProperties(k -> null).captureContent()).isFalse();
    assertThat(
            GenAiSettings.fromProperties(only(GenAiSettings.CAPTURE_CONTENT_PROPERTY, "TRUE"))
                .captureContent())
        .isTrue();
    assertThatThrownBy(
            () -> GenAiSettings.fromProperties(only(GenAiSettings.CAPTURE_CONTENT_PROPERTY, "yes")))
        .hasMessage(
            "Invalid value for costtrace.agent.capture.content: 'yes' (expected true or false)");
  }

  @Test
  void streamTimeoutIsTenMinutesByDefaultReadsDurationsAndBadValuesFailNamingTheKey() {
    String key = GenAiSettings.STREAM_TIMEOUT_PROPERTY;
    assertThat(GenAiSettings.defaults().streamTimeoutMillis()).isEqualTo(600_000L);
    assertThat(GenAiSettings.fromProperties(k -> null).streamTimeoutMillis()).isEqualTo(600_000L);
    assertThat(GenAiSettings.fromProperties(only(key, "500ms")).streamTimeoutMillis())
        .isEqualTo(500L);
    assertThat(GenAiSettings.fromProperties(only(key, " 30s ")).streamTimeoutMillis())
        .isEqualTo(30_000L);
    assertThat(GenAiSettings.fromProperties(only(key, "2m")).streamTimeoutMillis())
        .isEqualTo(120_000L);
    assertThat(GenAiSettings.fromProperties(only(key, "1h")).streamTimeoutMillis())
        .isEqualTo(3_600_000L);
    assertThat(GenAiSettings.fromProperties(only(key, "45")).streamTimeoutMillis())
        .isEqualTo(45_000L);
    assertThat(GenAiSettings.fromProperties(only(key, "0")).streamTimeoutMillis()).isZero();
    assertThatThrownBy(() -> GenAiSettings.fromProperties(only(key, "-1s")))
        .hasMessage(
            "Invalid value for costtrace.agent.stream.timeout: '-1s' (expected a non-negative"
                + " duration such as 500ms, 30s, 10m)");
    assertThatThrownBy(() -> GenAiSettings.fromProperties(only(key, "soon")))
        .hasMessageStartingWith("Invalid value for costtrace.agent.stream.timeout: 'soon'");
  }

  private static java.util.function.Function<String, String> only(String key, String value) {
    return k -> k.equals(key) ? value : null;
  }
}
