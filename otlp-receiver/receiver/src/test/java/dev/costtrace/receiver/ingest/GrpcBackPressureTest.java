package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.google.protobuf.ByteString;
import dev.costtrace.e2e.ReceiverFixture;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.LoopbackGate;
import dev.costtrace.testing.TestClickHouse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink's buffer is full (ClickHouse unreachable behind a shut {@link LoopbackGate}, a tiny
 * buffer): gRPC answers RESOURCE_EXHAUSTED, the SDK's gRPC exporter retries, and once ClickHouse is
 * reachable again everything arrives exactly once.
 */
class GrpcBackPressureTest {
  @TempDir Path dir;

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  private static ExportTraceServiceRequest filler(String traceHex, long spanNumber) {
    Span span =
        Span.newBuilder()
            .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(traceHex)))
            .setSpanId(
                ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", spanNumber))))
            .setName("chat gpt-4o-mini")
            .setStartTimeUnixNano(1_767_225_600_000_000_000L)
            .setEndTimeUnixNano(1_767_225_601_000_000_000L)
            .addAttributes(kv("gen_ai.provider.name", "openai"))
            .addAttributes(kv("gen_ai.operation.name", "chat"))
            .addAttributes(kv("gen_ai.request.model", "gpt-4o-mini"))
            .addAttributes(kv("gen_ai.usage.input_tokens", 2000))
            .addAttributes(kv("gen_ai.usage.output_tokens", 300))
            .build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
        .build();
  }

  @Test
  void fullSinkIsResourceExhaustedAndTheSdkRetryArrivesOnce() throws Exception {
    ClickHouseEndpoint endpoint = TestClickHouse.shared();
    URI url = URI.create(endpoint.httpUrl());
    try (LoopbackGate gate = new LoopbackGate(url.getHost(), url.getPort())) {
      Client viaGate =
          new Client.Builder()
              .addEndpoint("http://127.0.0.1:" + gate.port())
              .setUsername(endpoint.user())
              .setPassword(endpoint.password())
              .setDefaultDatabase("default")
              .build();
      try (ReceiverFixture env =
          new ReceiverFixture(
              dir.resolve("buffer"),
              b -> b.maxRequestBytes(4L << 20),
              sink ->
                  sink.maxBufferBytes(8 * 1024)
                      .segmentBytes(4 * 1024)
                      .maxBackoff(Duration.ofMillis(100))
                      .closeTimeout(Duration.ofSeconds(30)),
              viaGate)) {
        ManagedChannel channel =
            NettyChannelBuilder.forAddress("127.0.0.1", env.receiver.grpcPort())
                .usePlaintext()
                .build();
        String fillerTrace = "f111" + "0".repeat(27) + "1";
        long fillerAccepted = 0;
        StatusRuntimeException refused = null;
        try {
          TraceServiceGrpc.TraceServiceBlockingStub stub =
              TraceServiceGrpc.newBlockingStub(channel);
          for (long n = 1; n <= 2_000 && refused == null; n++) {
            try {
              stub.export(filler(fillerTrace, n));
              fillerAccepted++;
            } catch (StatusRuntimeException e) {
              refused = e;
            }
          }
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(refused).as("the buffer filled up").isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription()).startsWith("the sink buffer is full");
        // RESOURCE_EXHAUSTED is retried by the Collector's OTLP exporter and the Go SDK only with
        // google.rpc.RetryInfo in the status: the sink's retry-after, parseable as com.google.rpc.
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(refused);
        assertThat(details).isNotNull();
        assertThat(details.getDetailsList())
            .singleElement()
            .satisfies(d -> assertThat(d.is(com.google.rpc.RetryInfo.class)).isTrue())
            .satisfies(
                d ->
                    assertThat(
                            d.unpack(com.google.rpc.RetryInfo.class).getRetryDelay().getSeconds())
                        .isEqualTo(5));
        assertThat(fillerAccepted).isPositive();

        List<SpanData> turn = SdkSpans.turn("conv-backpressure", "bp-test");
        String turnTrace = turn.get(0).getTraceId();
        long refusalsBefore = env.sink.metrics().rejectedFull();
        OtlpGrpcSpanExporter exporter =
            OtlpGrpcSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + env.receiver.grpcPort())
                .setTimeout(Duration.ofSeconds(60))
                .setRetryPolicy(
                    RetryPolicy.builder()
                        .setMaxAttempts(5)
                        .setInitialBackoff(Duration.ofSeconds(2))
                        .setMaxBackoff(Duration.ofSeconds(5))
                        .setBackoffMultiplier(1.5)
                        .build())
                .build();
        try {
          CompletableResultCode result = exporter.export(turn);
          assertThat(
                  env.sink.awaitMetrics(
                      m -> m.rejectedFull() > refusalsBefore, Duration.ofSeconds(30)))
              .as("the exporter was pushed back")
              .isTrue();
          assertThat(result.isDone()).as("not acknowledged while the sink is full").isFalse();
          gate.open(); // ClickHouse reachable again: the buffer drains, the exporter's retry is
          // taken
          assertThat(result.join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
          // An exporter retry after the acknowledgement (a lost response) must not count twice.
          assertThat(exporter.export(turn).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
        } finally {
          exporter.close();
        }
        assertThat(env.sink.flush(Duration.ofSeconds(30)))
            .as(() -> env.sink.metrics().toString())
            .isTrue();
        assertThat(env.spans(fillerTrace)).isEqualTo(fillerAccepted);
        assertThat(env.spans(turnTrace)).isEqualTo(2);
        try (Client c = endpoint.newClient("default")) {
          var row =
              c.queryAll(
                      "SELECT total_cost, turns, llm_calls, tool_calls FROM "
                          + env.db
                          + ".conversation_costs WHERE conversation_id = 'conv-backpressure'")
                  .get(0);
          assertThat(row.getBigDecimal("total_cost")).isEqualByComparingTo("0.039");
          assertThat(row.getLong("turns")).isEqualTo(1);
          assertThat(row.getLong("llm_calls")).isEqualTo(1);
          assertThat(row.getLong("tool_calls")).isEqualTo(1);
          // gpt-4o-mini: 2000 × 0.15 + 300 × 0.60 per million = 0.00048 per filler span
          assertThat(
                  c.queryAll(
                          "SELECT sum(total_cost) AS s FROM "
                              + env.db
                              + ".spans WHERE trace_id = '"
                              + fillerTrace
                              + "'")
                      .get(0)
                      .getBigDecimal("s"))
              .isEqualByComparingTo(
                  new java.math.BigDecimal("0.00048")
                      .multiply(java.math.BigDecimal.valueOf(fillerAccepted)));
        }
      }
    }
  }
}
