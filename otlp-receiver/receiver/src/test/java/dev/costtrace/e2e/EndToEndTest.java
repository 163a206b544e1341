package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real OpenTelemetry SDK exporters → receiver → pricing → attribution → ClickHouse (real engine):
 * the conversation ID only on the root span, exported in a later batch than its LLM spans.
 */
class EndToEndTest {
  @TempDir Path dir;
  private ReceiverFixture fixture;

  @BeforeEach
  void start() {
    fixture = new ReceiverFixture(dir.resolve("buffer"), b -> b);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /** One turn: a root server span carrying the conversation, an OpenAI call and a tool call. */
  private static List<SpanData> turn(String conversation) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "support-bot").build())
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build();
    Tracer tracer = provider.get("e2e");
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
      llm.end();
      Span tool = tracer.spanBuilder("execute_tool web_search").startSpan();
      tool.setAttribute("gen_ai.operation.name", "execute_tool");
      tool.setAttribute("gen_ai.tool.name", "web_search");
      tool.end();
    }
    root.end();
    List<SpanData> spans = memory.getFinishedSpanItems();
    provider.close();
    return spans; // children first, root last: as a batch processor would export them
  }

  private static void export(SpanExporter exporter, List<SpanData> batch) {
    CompletableResultCode result = exporter.export(batch).join(10, TimeUnit.SECONDS);
    assertThat(result.isSuccess()).isTrue();
  }

  private BigDecimal conversationCost(String conversation) {
    var rows =
        fixture.query(
            "SELECT total_cost FROM {db}.conversation_costs WHERE conversation_id = '"
                + conversation
                + "'");
    return rows.isEmpty() ? null : rows.get(0).getBigDecimal("total_cost");
  }

  @Test
  void httpProtobufAndGrpcExportersWithTheConversationOnALaterRootSpan() {
    OtlpHttpSpanExporter http =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(fixture.httpUrl() + "/v1/traces")
            .setCompression("gzip")
            .build();
    OtlpGrpcSpanExporter grpc =
        OtlpGrpcSpanExporter.builder().setEndpoint(fixture.grpcUrl()).build();
    try {
      List<SpanData> first = turn("conv-http");
      export(http, first.subList(0, 2)); // LLM and tool spans
      export(http, first.subList(2, 3)); // the root with the conversation, in a later batch
      List<SpanData> second = turn("conv-http");
      export(grpc, second);
      export(grpc, second); // an exporter retry: must not count twice
    } finally {
      http.close();
      grpc.close();
    }
    // per turn: 4000 × 2.50 + 8000 × 1.25 + 900 × 10 per million = 0.029; web_search 0.01
    assertThat(conversationCost("conv-http")).isEqualByComparingTo("0.078");
    var r =
        fixture
            .query(
                "SELECT turns, llm_calls, tool_calls, user_id FROM {db}.conversation_costs"
                    + " WHERE conversation_id = 'conv-http'")
            .get(0);
    assertThat(r.getLong("turns")).isEqualTo(2);
    assertThat(r.getLong("llm_calls")).isEqualTo(2);
    assertThat(r.getLong("tool_calls")).isEqualTo(2);
    assertThat(r.getString("user_id")).isEqualTo("user-42");
  }
}
