package dev.costtrace.agent.genai;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GenAiToolInstrumenterTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                  .build())
          .build();
  private final GenAiToolInstrumenter tools =
      GenAiToolInstrumenter.create(otel, "dev.costtrace.test");

  @AfterEach
  void close() {
    otel.close();
  }

  @Test
  void executeToolSpanIsInternalWithNameIdAndTypeAndNoContentByDefault() {
    GenAiToolCall call =
        new GenAiToolCall("get_weather", "call_1", GenAiToolCall.TYPE_FUNCTION, null, "conv-7");
    Context ctx = tools.start(Context.root(), call);
    assertThat(ctx).isNotNull();
    // A tool's own LLM call is a call of its own: no gen_ai client span is marked active.
    assertThat(GenAiSpans.isActive(ctx)).isFalse();
    tools.end(ctx, call, null);

    SpanData span = exporter.getFinishedSpanItems().get(0);
    assertThat(span.getName()).isEqualTo("execute_tool get_weather");
    assertThat(span.getKind()).isEqualTo(SpanKind.INTERNAL);
    Attributes a = span.getAttributes();
    assertThat(a.get(GenAiAttributes.OPERATION_NAME)).isEqualTo("execute_tool");
    assertThat(a.get(GenAiAttributes.TOOL_NAME)).isEqualTo("get_weather");
    assertThat(a.get(GenAiAttributes.TOOL_CALL_ID)).isEqualTo("call_1");
    assertThat(a.get(GenAiAttributes.TOOL_TYPE)).isEqualTo("function");
    assertThat(a.get(GenAiAttributes.CONVERSATION_ID)).isEqualTo("conv-7");
    assertThat(a.get(GenAiAttributes.TOOL_CALL_ARGUMENTS)).isNull();
    assertThat(a.get(GenAiAttributes.TOOL_CALL_RESULT)).isNull();
    assertThat(a.get(GenAiAttributes.ERROR_TYPE)).isNull();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void capturedContentAndFailuresAreRecorded() {
    GenAiToolCall call =
        new GenAiToolCall("get_weather", "call_2", "function", "{\"city\":\"Paris\"}", null);
    call.result("18°C");
    Context ctx = tools.start(Context.root(), call);
    tools.end(ctx, call, new IllegalArgumentException("unknown city"));
    GenAiToolCall reported = new GenAiToolCall("lookup", "call_3", "function", null, null);
    reported.errorType("_OTHER");
    tools.end(tools.start(Context.root(), reported), reported, null);

    SpanData thrown = exporter.getFinishedSpanItems().get(0);
    assertThat(thrown.getAttributes().get(GenAiAttributes.TOOL_CALL_ARGUMENTS))
        .isEqualTo("{\"city\":\"Paris\"}");
    assertThat(thrown.getAttributes().get(GenAiAttributes.TOOL_CALL_RESULT)).isEqualTo("18°C");
    assertThat(thrown.getAttributes().get(GenAiAttributes.ERROR_TYPE))
        .isEqualTo("java.lang.IllegalArgumentException");
    assertThat(thrown.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    SpanData result = exporter.getFinishedSpanItems().get(1);
    assertThat(result.getAttributes().get(GenAiAttributes.ERROR_TYPE)).isEqualTo("_OTHER");
    assertThat(result.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  @Test
  void toolSpanIsAChildOfTheCurrentSpanAndNullContextIsIgnored() {
    Span parent = otel.getTracer("app").spanBuilder("app").startSpan();
    GenAiToolCall call = new GenAiToolCall("t", null, "function", null, null);
    tools.end(tools.start(Context.root().with(parent), call), call, null);
    parent.end();
    tools.end(null, call, null);
    SpanData tool = exporter.getFinishedSpanItems().get(0);
    assertThat(tool.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    assertThat(exporter.getFinishedSpanItems()).hasSize(2);
  }
}
