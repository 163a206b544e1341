package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.costtrace.e2e.ReceiverFixture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink cannot write its buffer (a real I/O error: the next segment's path is taken by a
 * directory, as a failing disk would refuse it): both transports answer with the statuses the OTLP
 * specification makes retryable — HTTP 503 with Retry-After and RetryInfo in the {@code
 * google.rpc.Status} body, gRPC UNAVAILABLE with RetryInfo — never 500 / INTERNAL, which no
 * exporter retries. The SDK's exporters retry, and once the disk is back their spans are stored,
 * each once.
 */
class RetryableStatusTest {
  private static final Pattern SEGMENT = Pattern.compile("seg-(\\d+)\\.wal");

  @TempDir Path dir;

  /** Makes the buffer's next segment impossible to create; returns the obstacle to remove. */
  private static Path blockNextSegment(Path buffer) throws Exception {
    long last;
    try (Stream<Path> files = Files.list(buffer)) {
      last =
          files
              .map(f -> SEGMENT.matcher(f.getFileName().toString()))
              .filter(Matcher::matches)
              .mapToLong(m -> Long.parseLong(m.group(1)))
              .max()
              .orElseThrow();
    }
    return Files.createDirectory(buffer.resolve(String.format("seg-%020d.wal", last + 1)));
  }

  private static RetryInfo retryInfo(com.google.rpc.Status status) throws Exception {
    for (Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        return detail.unpack(RetryInfo.class);
      }
    }
    throw new AssertionError("no google.rpc.RetryInfo in " + status);
  }

  private static long outcomes(ReceiverFixture env, String transport, String outcome)
      throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(env.httpUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile(
                "costtrace_export_requests_total\\{transport=\""
                    + transport
                    + "\",outcome=\""
                    + outcome
                    + "\"} (\\d+)")
            .matcher(metrics);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static RetryPolicy patientRetries() {
    return RetryPolicy.builder()
        .setMaxAttempts(5)
        .setInitialBackoff(Duration.ofSeconds(1))
        .setMaxBackoff(Duration.ofSeconds(5))
        .setBackoffMultiplier(2)
        .build();
  }

  @Test
  void aBufferWriteFailureIsRetryableOnBothTransportsAndTheSdkRetriesArriveOnce() throws Exception {
    Path buffer = dir.resolve("buffer");
    // Tiny segments: every export starts a new one, so the obstacle is met at once.
    try (ReceiverFixture env =
        new ReceiverFixture(
            buffer, b -> b, sink -> sink.segmentBytes(1024).maxBufferBytes(64L << 20), null)) {
      List<SpanData> first = SdkSpans.turn("conv-disk-1", "disk-test");
      try (OtlpHttpSpanExporter warm =
          OtlpHttpSpanExporter.builder().setEndpoint(env.httpUrl() + "/v1/traces").build()) {
        assertThat(warm.export(first).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      Path obstacle = blockNextSegment(buffer);

      // HTTP: 503, Retry-After, and RetryInfo in the google.rpc.Status body.
      java.io.ByteArrayOutputStream encoded = new java.io.ByteArrayOutputStream();
      TraceRequestMarshaler.create(SdkSpans.turn("conv-disk-raw", "disk-test"))
          .writeBinaryTo(encoded);
      byte[] body = encoded.toByteArray();
      HttpResponse<byte[]> refused =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(env.httpUrl() + "/v1/traces"))
                      .header("Content-Type", "application/x-protobuf")
                      .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).contains("5");
      com.google.rpc.Status httpStatus = com.google.rpc.Status.parseFrom(refused.body());
      assertThat(httpStatus.getMessage()).startsWith("the receiver cannot store spans right now");
      assertThat(retryInfo(httpStatus).getRetryDelay().getSeconds()).isEqualTo(5);

      // gRPC: UNAVAILABLE with RetryInfo, parseable with the com.google.rpc protos.
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", env.receiver.grpcPort())
              .usePlaintext()
              .build();
      try {
        StatusRuntimeException e =
            org.assertj.core.api.Assertions.catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    TraceServiceGrpc.newBlockingStub(channel)
                        .export(ExportTraceServiceRequest.parseFrom(body)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(retryInfo(StatusProto.fromThrowable(e)).getRetryDelay().getSeconds())
            .isEqualTo(5);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      // The SDK's exporters retry both, and succeed once the disk is back.
      List<SpanData> viaHttp = SdkSpans.turn("conv-disk-http", "disk-test");
      List<SpanData> viaGrpc = SdkSpans.turn("conv-disk-grpc", "disk-test");
      long http503 = outcomes(env, "http", "503");
      long grpcUnavailable = outcomes(env, "grpc", "UNAVAILABLE");
      try (SpanExporter http =
              OtlpHttpSpanExporter.builder()
                  .setEndpoint(env.httpUrl() + "/v1/traces")
                  .setRetryPolicy(patientRetries())
                  .setTimeout(Duration.ofSeconds(60))
                  .build();
          SpanExporter grpc =
              OtlpGrpcSpanExporter.builder()
                  .setEndpoint(env.grpcUrl())
                  .setRetryPolicy(patientRetries())
                  .setTimeout(Duration.ofSeconds(60))
                  .build()) {
        CompletableResultCode httpResult = http.export(viaHttp);
        CompletableResultCode grpcResult = grpc.export(viaGrpc);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((outcomes(env, "http", "503") == http503
                || outcomes(env, "grpc", "UNAVAILABLE") == grpcUnavailable)
            && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        assertThat(outcomes(env, "http", "503"))
            .as("the HTTP exporter was refused")
            .isGreaterThan(http503);
        assertThat(outcomes(env, "grpc", "UNAVAILABLE"))
            .as("the gRPC exporter was refused")
            .isGreaterThan(grpcUnavailable);
        assertThat(httpResult.isDone() || grpcResult.isDone())
            .as("nothing acknowledged while the disk fails")
            .isFalse();
        Files.delete(obstacle); // the disk is back
        assertThat(httpResult.join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(grpcResult.join(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      for (List<SpanData> turn : List.of(first, viaHttp, viaGrpc)) {
        assertThat(env.spans(turn.get(0).getTraceId())).isEqualTo(2);
      }
      // Three turns of $0.039 each, counted once: the refused attempts stored nothing.
      BigDecimal total =
          env.query("SELECT sum(total_cost) AS s FROM {db}.spans FINAL").get(0).getBigDecimal("s");
      assertThat(total).isEqualByComparingTo("0.117");
      BigDecimal rollup =
          env.query("SELECT sum(total_cost) AS s FROM {db}.trace_costs").get(0).getBigDecimal("s");
      assertThat(rollup).isEqualByComparingTo("0.117");
    }
  }
}
