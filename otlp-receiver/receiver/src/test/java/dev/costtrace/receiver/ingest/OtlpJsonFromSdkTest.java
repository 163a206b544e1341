package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.e2e.ReceiverFixture;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP/JSON as the OpenTelemetry Java SDK writes it (its own request marshaler; its HTTP exporter
 * only sends protobuf), plain and gzip, stores exactly what the SDK's protobuf exporter stores: the
 * same priced spans and the same conversation totals.
 */
class OtlpJsonFromSdkTest {
  private static final String SPAN_COLUMNS =
      "trace_id, span_id, parent_span_id, start_time, end_time, service_name,"
          + " conversation_id, user_id, provider, request_model, operation, tool_name, input_tokens, cache_read_tokens,"
          + " output_tokens, toString(total_cost) AS cost, pricing_status";
  private static final String CONVERSATION_COLUMNS =
      "conversation_id, toString(total_cost) AS cost, turns, llm_calls," + " tool_calls, user_id";

  @TempDir Path dir;

  /** Three conversations of one to three turns, the root spans exported after their children. */
  private static List<List<SpanData>> batches() {
    List<List<SpanData>> batches = new ArrayList<>();
    for (int c = 1; c <= 3; c++) {
      for (int t = 0; t < c; t++) {
        List<SpanData> turn = SdkSpans.turn("conv-json-" + c, "json-test");
        batches.add(turn.subList(0, 2));
        batches.add(turn.subList(2, 3));
      }
    }
    return batches;
  }

  private static byte[] sdkJson(List<SpanData> batch) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(batch).writeJsonTo(out);
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(body);
    }
    return out.toByteArray();
  }

  private static List<String> rows(ReceiverFixture env, String sql) {
    env.sink.flush();
    try (Client c = env.endpoint.newClient("default")) {
      List<String> out = new ArrayList<>();
      for (GenericRecord r : c.queryAll(sql)) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= r.getSchema().getColumns().size(); i++) {
          values.add(r.getString(i));
        }
        out.add(String.join("|", values));
      }
      return out;
    }
  }

  @Test
  void sdkJsonPlainAndGzipStoreExactlyWhatSdkProtobufStores() throws Exception {
    List<List<SpanData>> batches = batches();
    HttpClient http = HttpClient.newHttpClient();
    List<List<String>> spans = new ArrayList<>();
    List<List<String>> conversations = new ArrayList<>();
    for (String encoding : List.of("protobuf", "json", "json+gzip")) {
      try (ReceiverFixture env =
          new ReceiverFixture(dir.resolve(encoding), b -> b.maxRequestBytes(4L << 20))) {
        if (encoding.equals("protobuf")) {
          OtlpHttpSpanExporter exporter =
              OtlpHttpSpanExporter.builder().setEndpoint(env.httpUrl() + "/v1/traces").build();
          try {
            for (List<SpanData> batch : batches) {
              assertThat(exporter.export(batch).join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
            }
          } finally {
            exporter.close();
          }
        } else {
          for (List<SpanData> batch : batches) {
            byte[] json = sdkJson(batch);
            assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"traceId\":\"" + batch.get(0).getTraceId());
            boolean gzip = encoding.endsWith("gzip");
            HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(env.httpUrl() + "/v1/traces"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(gzip ? gzip(json) : json));
            if (gzip) {
              request.header("Content-Encoding", "gzip");
            }
            HttpResponse<String> r =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(r.body()).doesNotContain("partialSuccess");
          }
        }
        spans.add(
            rows(
                env,
                "SELECT "
                    + SPAN_COLUMNS
                    + " FROM "
                    + env.db
                    + ".spans ORDER BY trace_id, span_id"));
        conversations.add(
            rows(
                env,
                "SELECT "
                    + CONVERSATION_COLUMNS
                    + " FROM "
                    + env.db
                    + ".conversation_costs ORDER BY conversation_id"));
      }
    }
    // 6 turns, an LLM and a tool span each; conversation c has c turns of 0.029 + 0.01
    assertThat(spans.get(0)).hasSize(12);
    assertThat(
            conversations.get(0).stream()
                .map(r -> r.split("\\|")[0] + "=" + r.split("\\|")[1])
                .collect(Collectors.toList()))
        .containsExactly("conv-json-1=0.039", "conv-json-2=0.078", "conv-json-3=0.117");
    assertThat(spans.get(1)).isEqualTo(spans.get(0));
    assertThat(spans.get(2)).isEqualTo(spans.get(0));
    assertThat(conversations.get(1)).isEqualTo(conversations.get(0));
    assertThat(conversations.get(2)).isEqualTo(conversations.get(0));
  }
}
