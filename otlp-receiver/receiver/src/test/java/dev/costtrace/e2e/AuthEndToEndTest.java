package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.receiver.auth.BearerTokens;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer-token auth with the SDK's own exporters: the tenant comes from the token, whatever the
 * spans say; an export without a known token is refused with the OTLP status and stores nothing.
 */
class AuthEndToEndTest {
  @TempDir Path dir;
  ReceiverFixture fixture;

  @BeforeEach
  void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "acme=tok-acme\nglobex=tok-globex\n");
    fixture =
        new ReceiverFixture(
            dir.resolve("buffer"), b -> b.auth(BearerTokens.builder(tokens).build()));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /** One LLM call whose span claims a tenant of its own. */
  static List<SpanData> call(String conversation) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      Span llm = provider.get("auth").spanBuilder("chat gpt-4o-mini").startSpan();
      llm.setAttribute("gen_ai.operation.name", "chat");
      llm.setAttribute("gen_ai.provider.name", "openai");
      llm.setAttribute("gen_ai.request.model", "gpt-4o-mini");
      llm.setAttribute("gen_ai.conversation.id", conversation);
      llm.setAttribute("tenant.id", "someone-else");
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 100L);
      llm.end();
      return memory.getFinishedSpanItems(); // before close: shutting the exporter down clears it
    }
  }

  static boolean export(SpanExporter exporter, List<SpanData> spans) {
    assertThat(spans).isNotEmpty();
    try {
      return exporter.export(spans).join(10, TimeUnit.SECONDS).isSuccess();
    } finally {
      exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theTokensTenantWinsOverTheSpansOnBothTransports() {
    assertThat(
            export(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint(fixture.httpUrl() + "/v1/traces")
                    .addHeader("Authorization", "Bearer tok-acme")
                    .build(),
                call("conv-http")))
        .isTrue();
    assertThat(
            export(
                OtlpGrpcSpanExporter.builder()
                    .setEndpoint(fixture.grpcUrl())
                    .addHeader("Authorization", "Bearer tok-globex")
                    .build(),
                call("conv-grpc")))
        .isTrue();
    Map<String, String> tenants = new TreeMap<>();
    for (GenericRecord r : fixture.query("SELECT conversation_id, tenant_id FROM {db}.spans")) {
      tenants.put(r.getString("conversation_id"), r.getString("tenant_id"));
    }
    assertThat(tenants)
        .containsExactly(Map.entry("conv-grpc", "globex"), Map.entry("conv-http", "acme"));
    assertThat(
            fixture
                .query(
                    "SELECT tenant_id FROM {db}.conversation_costs WHERE conversation_id = 'conv-http'")
                .get(0)
                .getString("tenant_id"))
        .isEqualTo("acme");
  }

  @Test
  void exportsWithoutAKnownTokenAreRefusedAndStoreNothing() throws Exception {
    assertThat(
            export(
                OtlpGrpcSpanExporter.builder().setEndpoint(fixture.grpcUrl()).build(),
                call("conv-x")))
        .isFalse();
    assertThat(
            export(
                OtlpGrpcSpanExporter.builder()
                    .setEndpoint(fixture.grpcUrl())
                    .addHeader("Authorization", "Bearer wrong")
                    .build(),
                call("conv-y")))
        .isFalse();
    assertThat(
            export(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint(fixture.httpUrl() + "/v1/traces")
                    .build(),
                call("conv-z")))
        .isFalse();

    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(fixture.httpUrl() + "/v1/traces"))
                    .header("Content-Type", "application/x-protobuf")
                    .header("Authorization", "Bearer wrong")
                    .POST(
                        HttpRequest.BodyPublishers.ofByteArray(
                            ExportTraceServiceRequest.getDefaultInstance().toByteArray()))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"costtrace\"");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(r.body());
    assertThat(status.getCode()).isEqualTo(16); // UNAUTHENTICATED
    assertThat(status.getMessage()).contains("bearer token").doesNotContain("wrong");

    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(fixture.httpUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).as("probes need no token").isEqualTo(200);
    assertThat(fixture.query("SELECT count() AS n FROM {db}.spans").get(0).getLong("n")).isZero();
  }
}
