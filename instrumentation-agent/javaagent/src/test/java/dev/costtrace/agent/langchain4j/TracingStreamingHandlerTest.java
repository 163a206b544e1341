package dev.costtrace.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiStream;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracingStreamingHandlerTest {
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

  @AfterEach
  void close() {
    otel.close();
  }

  /** An app handler overriding default methods a fixed wrapper could miss. */
  static final class AppHandler implements StreamingChatResponseHandler {
    final List<String> seen = new ArrayList<>();
    RuntimeException throwOnComplete;

    @Override
    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
      seen.add("partial:" + partial.text());
    }

    @Override
    public void onPartialThinking(PartialThinking thinking) {
      seen.add("thinking:" + thinking.text());
    }

    @Override
    public void onUnmappedRawEvent(Object rawEvent) {
      seen.add("raw:" + rawEvent);
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      seen.add("complete:" + response.aiMessage().text());
      if (throwOnComplete != null) {
        throw throwOnComplete;
      }
    }

    @Override
    public void onError(Throwable error) {
      seen.add("error:" + error.getMessage());
    }
  }

  static final class Handle implements StreamingHandle {
    @Override
    public void cancel() {}

    @Override
    public boolean isCancelled() {
      return false;
    }
  }

  private GenAiStream stream() {
    return instrumenter.startStream(
        Context.root(),
        GenAiRequest.builder("openai", "chat").requestModel("gpt-4o-mini").streaming(true).build());
  }

  private static ChatResponse response() {
    return ChatResponse.builder()
        .aiMessage(AiMessage.from("Paris"))
        .metadata(
            ChatResponseMetadata.builder()
                .id("chatcmpl-9")
                .modelName("gpt-4o-mini-2024-07-18")
                .finishReason(FinishReason.STOP)
                .tokenUsage(new TokenUsage(20, 3))
                .build())
        .build();
  }

  @Test
  void everyCallbackReachesTheAppAndTheSpanEndsOnceWithUsageAndTimeToFirstToken() {
    AppHandler app = new AppHandler();
    StreamingChatResponseHandler h = TracingStreamingHandler.wrap(app, stream(), Context.root());
    h.onPartialThinking(new PartialThinking("hmm"));
    h.onPartialResponse(new PartialResponse("Par"), new PartialResponseContext(new Handle()));
    h.onUnmappedRawEvent("evt-1");
    h.onCompleteResponse(response());
    h.onError(new IllegalStateException("late"));

    assertThat(app.seen)
        .containsExactly(
            "thinking:hmm", "partial:Par", "raw:evt-1", "complete:Paris", "error:late");
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(1);
    SpanData span = spans.get(0);
    assertThat(span.getAttributes().get(GenAiAttributes.RESPONSE_ID)).isEqualTo("chatcmpl-9");
    assertThat(span.getAttributes().get(GenAiAttributes.USAGE_INPUT_TOKENS)).isEqualTo(20L);
    assertThat(span.getAttributes().get(GenAiAttributes.TIME_TO_FIRST_TOKEN_NS)).isPositive();
    assertThat(span.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
  }

  @Test
  void anErrorEndsTheSpanWithItsType() {
    AppHandler app = new AppHandler();
    StreamingChatResponseHandler h = TracingStreamingHandler.wrap(app, stream(), Context.root());
    h.onError(new IllegalStateException("boom"));
    assertThat(app.seen).containsExactly("error:boom");
    SpanData span = exporter.getFinishedSpanItems().get(0);
    assertThat(span.getAttributes().get(GenAiAttributes.ERROR_TYPE))
        .isEqualTo("java.lang.IllegalStateException");
    assertThat(span.getAttributes().get(GenAiAttributes.TIME_TO_FIRST_TOKEN_NS)).isNull();
  }

  @Test
  void theAppHandlersOwnExceptionComesThroughUnchanged() {
    AppHandler app = new AppHandler();
    app.throwOnComplete = new IllegalArgumentException("app bug");
    StreamingChatResponseHandler h = TracingStreamingHandler.wrap(app, stream(), Context.root());
    assertThatThrownBy(() -> h.onCompleteResponse(response())).isSameAs(app.throwOnComplete);
    assertThat(exporter.getFinishedSpanItems()).hasSize(1);
  }

  @Test
  void theAppHandlerRunsInTheCallersContextNotInTheEndedCallsSpan() {
    io.opentelemetry.api.trace.Span caller = otel.getTracer("app").spanBuilder("app").startSpan();
    Context callerContext = Context.root().with(caller);
    List<io.opentelemetry.api.trace.Span> seen = new ArrayList<>();
    StreamingChatResponseHandler app =
        new StreamingChatResponseHandler() {
          @Override
          public void onCompleteResponse(ChatResponse response) {
            seen.add(io.opentelemetry.api.trace.Span.current());
          }

          @Override
          public void onError(Throwable error) {}
        };
    GenAiStream stream =
        instrumenter.startStream(callerContext, GenAiRequest.builder("openai", "chat").build());
    try (io.opentelemetry.context.Scope ignored = stream.context().makeCurrent()) {
      TracingStreamingHandler.wrap(app, stream, callerContext).onCompleteResponse(response());
    }
    assertThat(seen).containsExactly(caller);
    caller.end();
  }

  @Test
  void proxyIdentityIsItsOwn() {
    AppHandler app = new AppHandler();
    StreamingChatResponseHandler h = TracingStreamingHandler.wrap(app, stream(), Context.root());
    assertThat(h).isEqualTo(h).isNotEqualTo(app);
    assertThat(h.hashCode()).isEqualTo(System.identityHashCode(h));
    assertThat(h.toString()).isEqualTo(app.toString());
  }
}
