package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} after real SDK exports: the counts a Prometheus scrape would read. */
class MetricsEndToEndTest {
  @TempDir Path dir;
  ReceiverFixture fixture;

  @BeforeEach
  void start() {
    fixture = new ReceiverFixture(dir.resolve("buffer"), b -> b);
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  static List<SpanData> calls(String... models) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      for (String model : models) {
        Span s = provider.get("metrics").spanBuilder("chat " + model).startSpan();
        s.setAttribute("gen_ai.operation.name", "chat");
        s.setAttribute("gen_ai.request.model", model);
        s.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 100L);
        s.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 10L);
        s.end();
      }
      Span plain = provider.get("metrics").spanBuilder("GET /").startSpan();
      plain.end();
      return memory.getFinishedSpanItems();
    }
  }

  static void export(SpanExporter exporter, List<SpanData> spans) {
    assertThat(exporter.export(spans).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    exporter.shutdown().join(10, TimeUnit.SECONDS);
  }

  @Test
  void aScrapeCountsRequestsSpansPricingAndTheSink() throws Exception {
    export(
        OtlpHttpSpanExporter.builder().setEndpoint(fixture.httpUrl() + "/v1/traces").build(),
        calls("gpt-4o-mini", "gpt-4o", "acme-llm-9000"));
    export(
        OtlpGrpcSpanExporter.builder().setEndpoint(fixture.grpcUrl()).build(),
        calls("gpt-4o-mini"));
    fixture.sink.flush();
    Map<String, Double> m = fixture.scrape();
    assertThat(m)
        .containsEntry("costtrace_spans_received_total", 6.0)
        .containsEntry("costtrace_spans_rejected_total", 0.0)
        .containsEntry("costtrace_spans_llm_total{status=\"PRICED\"}", 3.0)
        .containsEntry("costtrace_spans_llm_total{status=\"UNKNOWN_MODEL\"}", 1.0)
        .containsEntry("costtrace_spans_unpriced_total", 1.0)
        .containsEntry("costtrace_export_requests_total{transport=\"http\",outcome=\"200\"}", 1.0)
        .containsEntry("costtrace_export_requests_total{transport=\"grpc\",outcome=\"OK\"}", 1.0)
        .containsEntry("costtrace_export_duration_seconds_count{transport=\"http\"}", 1.0)
        .containsEntry("costtrace_export_duration_seconds_count{transport=\"grpc\"}", 1.0)
        .containsEntry(
            "costtrace_export_duration_seconds_bucket{transport=\"grpc\",le=\"+Inf\"}", 1.0)
        .containsEntry("costtrace_export_requests_in_flight{transport=\"http\"}", 0.0)
        .containsEntry("costtrace_worker_queue_depth{transport=\"http\"}", 0.0)
        .containsEntry("costtrace_sink_rows_total{result=\"accepted\"}", 4.0)
        .containsEntry("costtrace_sink_rows_total{result=\"written\"}", 4.0)
        .containsEntry("costtrace_sink_pending_bytes", 0.0) // flushed: nothing left to write
        .containsEntry("costtrace_memory_in_flight_bytes", 0.0);
    assertThat(m.get("costtrace_export_duration_seconds_sum{transport=\"http\"}")).isPositive();
    assertThat(m.get("costtrace_memory_budget_bytes")).isPositive();
    assertThat(m)
        .containsKey("costtrace_sink_buffered_bytes"); // segments are reclaimed as they roll
  }
}
