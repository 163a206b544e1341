package dev.costtrace.agent.genai;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenAiCallTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                  .build())
          .build();
  private final GenAiInstrumenter instrumenter =
      GenAiInstrumenter.create(otel, "dev.costtrace.test");
  private final GenAiRequest request =
      GenAiRequest.builder("openai", "chat").requestModel("o4-mini").build();

  @AfterEach
  void close() {
    otel.close();
  }

  private static GenAiResponse withId(String id) {
    return GenAiResponse.builder().responseId(id).build();
  }

  private SpanData onlySpan() {
    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
    return exporter.getFinishedSpanItems().get(0);
  }

  @Test
  void spanIsCurrentDuringTheCallAndEndsWithTheMappedResult() {
    GenAiCall call = GenAiCall.start(instrumenter, () -> request);
    assertThat(Span.current().getSpanContext())
        .isEqualTo(Span.fromContext(call.context()).getSpanContext());
    GenAiCall.end(call, "resp_1", null, GenAiCallTest::withId);
    assertThat(Span.current().getSpanContext().isValid()).isFalse();
    assertThat(onlySpan().getAttributes().get(AttributeKey.stringKey("gen_ai.response.id")))
        .isEqualTo("resp_1");
  }

  @Test
  void throwingMapperEndsTheSpanWithoutResponseAttributes() {
    GenAiCall call = GenAiCall.start(instrumenter, () -> request);
    GenAiCall.end(
        call,
        "malformed",
        null,
        r -> {
          throw new IllegalStateException("malformed response");
        });
    SpanData span = onlySpan();
    assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.response.id"))).isNull();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void asyncCallEndsWhenTheFutureFailsWithTheUnwrappedCause() {
    GenAiCall call = GenAiCall.start(instrumenter, () -> request);
    CompletableFuture<String> future = new CompletableFuture<>();
    GenAiCall.endWhenDone(call, future.thenApply(s -> s), null, GenAiCallTest::withId);
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
    future.completeExceptionally(new IllegalArgumentException("400"));
    assertThat(onlySpan().getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo(IllegalArgumentException.class.getName());
  }

  @Test
  void aThrowingRequestMappingTracesNothingAndThrowsNothing() {
    assertThat(
            GenAiCall.start(
                instrumenter,
                () -> {
                  throw new IllegalStateException("params the SDK rejects");
                }))
        .isNull();
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void untracedCallIsNullAndEveryHookAcceptsIt() {
    GenAiCall.end(null, "x", null, GenAiCallTest::withId);
    GenAiCall.endWhenDone(
        null, CompletableFuture.completedFuture("x"), null, GenAiCallTest::withId);
    assertThat(GenAiStreamCall.wrap(null, "stream", null, s -> "wrapped")).isEqualTo("stream");
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void streamCallHandsTheAppTheWrappedStreamOrItsOwnWhenTheWrapperFails() {
    GenAiStreamCall call = GenAiStreamCall.start(instrumenter, () -> request);
    assertThat(GenAiStreamCall.wrap(call, "stream", null, s -> "wrapped " + s))
        .isEqualTo("wrapped stream");
    call.stream().complete();
    GenAiStreamCall failing = GenAiStreamCall.start(instrumenter, () -> request);
    assertThat(
            GenAiStreamCall.wrap(
                failing,
                "stream",
                null,
                s -> {
                  throw new IllegalStateException("bug");
                }))
        .isEqualTo("stream");
    assertThat(exporter.getFinishedSpanItems()).hasSize(2);
  }
}
