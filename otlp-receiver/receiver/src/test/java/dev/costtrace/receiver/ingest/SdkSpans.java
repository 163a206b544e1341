package dev.costtrace.receiver.ingest;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;

/**
 * Real SpanData from the OpenTelemetry SDK: conversation turns as an instrumented app records them.
 */
final class SdkSpans {
  private SdkSpans() {}

  /**
   * One turn: a root server span carrying the conversation and user, an OpenAI gpt-4o call (12,000
   * input of which 8,000 cached, 900 output: $0.029) and a web_search tool call ($0.01). Children
   * first, root last, as a batch processor exports them.
   */
  static List<SpanData> turn(String conversation, String service) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.getDefault().toBuilder().put("service.name", service).build())
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build();
    Tracer tracer = provider.get("costtrace-test");
    Span root = tracer.spanBuilder("POST /chat").startSpan();
    root.setAttribute("gen_ai.conversation.id", conversation);
    root.setAttribute("enduser.id", "user-42");
    try (Scope ignored = root.makeCurrent()) {
      Span llm = tracer.spanBuilder("chat gpt-4o").startSpan();
      llm.setAttribute("gen_ai.provider.name", "openai");
      llm.setAttribute("gen_ai.operation.name", "chat");
      llm.setAttribute("gen_ai.request.model", "gpt-4o");
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 12000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"), 8000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 900L);
      llm.setAttribute(
          AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"));
      llm.setAttribute(AttributeKey.doubleKey("gen_ai.request.temperature"), 0.2);
      llm.end();
      Span tool = tracer.spanBuilder("execute_tool web_search").startSpan();
      tool.setAttribute("gen_ai.operation.name", "execute_tool");
      tool.setAttribute("gen_ai.tool.name", "web_search");
      tool.setAttribute(AttributeKey.booleanKey("cached"), false);
      tool.end();
    }
    root.end();
    List<SpanData> spans = memory.getFinishedSpanItems();
    provider.close();
    return spans;
  }
}
