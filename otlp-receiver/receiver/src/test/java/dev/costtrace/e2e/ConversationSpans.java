package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;

/**
 * Conversation turns as an app's SDK makes them — a root server span naming the conversation, user,
 * feature (and tenant), with an LLM call and maybe a web search beneath it, the root ending last —
 * exported in one OTLP/HTTP request by the SDK's exporter. Prices of the models used (bundled
 * catalog): gpt-4o-mini $0.15 / $0.60 per million input / output tokens, gpt-4o $2.50 / $10, web
 * search $0.01 a call.
 */
final class ConversationSpans {
  /** An hour ago, whole seconds: every turn starts at T0 plus its offset. */
  static final Instant T0 =
      Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

  private ConversationSpans() {}

  /** One turn; {@code tenant} null leaves the tenant to a bearer token. */
  static void turn(
      Tracer t,
      String conversation,
      String user,
      String feature,
      String tenant,
      int atSecond,
      String model,
      long input,
      long output,
      boolean search) {
    Instant start = T0.plusSeconds(atSecond);
    Span root =
        t.spanBuilder("POST /chat")
            .setSpanKind(SpanKind.SERVER)
            .setStartTimestamp(start)
            .startSpan();
    root.setAttribute("gen_ai.conversation.id", conversation);
    root.setAttribute("enduser.id", user);
    root.setAttribute("costtrace.feature", feature);
    if (tenant != null) {
      root.setAttribute("tenant.id", tenant);
    }
    Context parent = Context.root().with(root);
    if (search) {
      Span tool =
          t.spanBuilder("execute_tool web_search")
              .setParent(parent)
              .setStartTimestamp(start.plusMillis(5))
              .startSpan();
      tool.setAttribute("gen_ai.operation.name", "execute_tool");
      tool.setAttribute("gen_ai.tool.name", "web_search");
      tool.end(start.plusMillis(300));
    }
    llm(t, parent, model, input, output, start.plusMillis(400)).end(start.plusMillis(900));
    root.end(start.plusMillis(950));
  }

  /** An LLM call alone, its root span to come later ({@link #rootOf}); returns its trace ID. */
  static String llmOnly(Tracer t, String model, long input, long output) {
    Span llm = llm(t, Context.root(), model, input, output, T0);
    llm.end(T0.plusMillis(500));
    return llm.getSpanContext().getTraceId();
  }

  /** A span of trace {@code traceId} naming its conversation, tenant and feature. */
  static void rootOf(Tracer t, String traceId, String conversation, String tenant, String feature) {
    SpanContext remote =
        SpanContext.createFromRemoteParent(
            traceId, "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());
    Span root =
        t.spanBuilder("POST /chat")
            .setParent(Context.root().with(Span.wrap(remote)))
            .setStartTimestamp(T0)
            .startSpan();
    root.setAttribute("gen_ai.conversation.id", conversation);
    root.setAttribute("tenant.id", tenant);
    root.setAttribute("costtrace.feature", feature);
    root.end(T0.plusSeconds(1));
  }

  private static Span llm(
      Tracer t, Context parent, String model, long input, long output, Instant start) {
    Span llm =
        t.spanBuilder("chat " + model)
            .setSpanKind(SpanKind.CLIENT)
            .setParent(parent)
            .setStartTimestamp(start)
            .startSpan();
    llm.setAttribute("gen_ai.operation.name", "chat");
    llm.setAttribute("gen_ai.provider.name", model.startsWith("gpt") ? "openai" : "acme");
    llm.setAttribute("gen_ai.request.model", model);
    llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), input);
    llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), output);
    return llm;
  }

  /** Exports what {@code spans} makes in one OTLP/HTTP request, under {@code token} if not null. */
  static void export(ReceiverFixture fixture, String token, Consumer<Tracer> spans) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    List<SpanData> done;
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      spans.accept(provider.get("conversation-spans"));
      done = memory.getFinishedSpanItems();
    }
    OtlpHttpSpanExporterBuilder exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(fixture.httpUrl() + "/v1/traces");
    if (token != null) {
      exporter.addHeader("Authorization", "Bearer " + token);
    }
    assertThat(AuthEndToEndTest.export(exporter.build(), done)).isTrue();
  }
}
