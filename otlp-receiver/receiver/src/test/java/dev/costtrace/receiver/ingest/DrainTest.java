package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM's drain: while an export is in flight the receiver is not ready; new exports are told to
 * retry (HTTP 503 with Retry-After, gRPC UNAVAILABLE) and never reach the pipeline; the one in
 * flight still finishes and is acknowledged.
 */
class DrainTest {
  private final List<String> consumed = new CopyOnWriteArrayList<>();
  private final CountDownLatch inFlight = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final TraceConsumer holdingFirst =
      (request, tenant) -> {
        String name = request.getResourceSpans(0).getScopeSpans(0).getSpans(0).getName();
        if (name.equals("in-flight")) {
          inFlight.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        consumed.add(name);
        return ExportOutcome.allAccepted();
      };

  private static byte[] export(String spanName) {
    return request(spanName).toByteArray();
  }

  private static ExportTraceServiceRequest request(String spanName) {
    Span span =
        Span.newBuilder()
            .setTraceId(
                ByteString.copyFrom(
                    new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
            .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
            .setName(spanName)
            .setStartTimeUnixNano(1)
            .setEndTimeUnixNano(2)
            .build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
        .build();
  }

  @Test
  void newExportsAreToldToRetryWhileTheOneInFlightFinishes() throws Exception {
    OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(holdingFirst)
            .start();
    int grpcPort = receiver.grpcPort();
    HttpClient client = HttpClient.newHttpClient();
    URI traces = URI.create("http://127.0.0.1:" + receiver.httpPort() + "/v1/traces");
    CompletableFuture<HttpResponse<byte[]>> first =
        client.sendAsync(
            post(traces, export("in-flight")), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(inFlight.await(10, TimeUnit.SECONDS)).isTrue();

    Thread drain = new Thread(() -> receiver.shutdown(Duration.ofSeconds(20)), "drain");
    drain.start();
    URI ready = URI.create("http://127.0.0.1:" + receiver.httpPort() + "/ready");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int readyStatus;
    do {
      readyStatus =
          client
              .send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
              .statusCode();
    } while (readyStatus != 503 && System.nanoTime() < deadline);
    assertThat(readyStatus).isEqualTo(503);

    HttpResponse<byte[]> refused =
        client.send(post(traces, export("late-http")), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(refused.body());
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE.value());
    assertThat(status.getMessage()).isEqualTo(OtlpReceiver.DRAINING_MESSAGE);

    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      StatusRuntimeException grpcRefused =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  TraceServiceGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .export(request("late-grpc")));
      assertThat(grpcRefused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      channel.shutdownNow();
    }

    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    drain.join(TimeUnit.SECONDS.toMillis(20));
    assertThat(drain.isAlive()).isFalse();
    assertThat(consumed).containsExactly("in-flight");
  }

  private static HttpRequest post(URI uri, byte[] body) {
    return HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }
}
