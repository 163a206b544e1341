package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each kind of bad request gets its OTLP status and message; valid neighbours are kept. */
class OtlpHttpBadInputTest {
  private final List<ExportTraceServiceRequest> received = new ArrayList<>();
  private volatile boolean full;
  private final TraceConsumer recording =
      (request, tenant) -> {
        if (full) {
          throw new BackPressureException("sink full", Duration.ofSeconds(7), false);
        }
        received.add(request);
        long bad =
            request.getResourceSpansList().stream()
                .flatMap(r -> r.getScopeSpansList().stream())
                .flatMap(s -> s.getSpansList().stream())
                .filter(s -> s.getTraceId().size() != 16)
                .count();
        return bad == 0
            ? ExportOutcome.allAccepted()
            : new ExportOutcome(bad, bad + " span(s) rejected");
      };
  private final OtlpReceiver receiver =
      OtlpReceiver.builder()
          .host("127.0.0.1")
          .grpcPort(0)
          .httpPort(0)
          .maxRequestBytes(64 * 1024)
          .consumer(recording)
          .start();
  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    receiver.shutdown(Duration.ZERO); // the client keeps connections open: don't wait them out
  }

  private HttpResponse<byte[]> post(String type, byte[] body, String encoding) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.httpPort() + "/v1/traces"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      b.header("Content-Type", type);
    }
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Span span(int traceIdBytes, String name) {
    byte[] t = new byte[traceIdBytes];
    t[0] = 1;
    byte[] s = new byte[8];
    s[0] = 2;
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(t))
        .setSpanId(ByteString.copyFrom(s))
        .setName(name)
        .setStartTimeUnixNano(1)
        .setEndTimeUnixNano(2)
        .build();
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  @Test
  void truncatedProtobufIs400WithAStatus() throws Exception {
    byte[] whole = request(span(16, "a")).toByteArray();
    HttpResponse<byte[]> r =
        post("application/x-protobuf", java.util.Arrays.copyOf(whole, whole.length - 5), null);
    assertThat(r.statusCode()).isEqualTo(400);
    com.google.rpc.Status status = com.google.rpc.Status.parseFrom(r.body());
    assertThat(status.getCode()).isEqualTo(3);
    assertThat(status.getMessage()).startsWith("malformed ExportTraceServiceRequest");
    assertThat(received).isEmpty();
  }

  /** Replies go out at once, not after the client's delayed ACK (see OtlpReceiver). */
  @Test
  void theHttpServerRepliesWithoutNaglesDelay() throws Exception {
    assertThat(post("text/plain", new byte[1], null).statusCode()).isEqualTo(415);
    assertThat(System.getProperty(OtlpReceiver.NODELAY_PROPERTY)).isEqualTo("true");
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    assertThat(post("text/plain", "hello".getBytes(StandardCharsets.UTF_8), null).statusCode())
        .isEqualTo(415);
  }

  @Test
  void wrongMethodIs405() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + receiver.httpPort() + "/v1/traces"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(405);
  }

  @Test
  void oversizedAndGzipBombAre413() throws Exception {
    Span big = span(16, "x".repeat(100_000));
    assertThat(post("application/x-protobuf", request(big).toByteArray(), null).statusCode())
        .isEqualTo(413);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(new byte[5_000_000]);
    }
    assertThat(gz.size()).isLessThan(64 * 1024);
    assertThat(post("application/x-protobuf", gz.toByteArray(), "gzip").statusCode())
        .isEqualTo(413);
  }

  @Test
  void invalidIdsAreRejectedPartiallyAndNeighboursKept() throws Exception {
    HttpResponse<byte[]> r =
        post(
            "application/x-protobuf",
            request(span(16, "ok"), span(5, "bad"), span(16, "ok2")).toByteArray(),
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse response = ExportTraceServiceResponse.parseFrom(r.body());
    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(received).hasSize(1);
  }

  @Test
  void jsonWithHexIdsIsAcceptedAndAnsweredInJson() throws Exception {
    String json =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
            + "\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"chat\",\"kind\":3,\"startTimeUnixNano\":\"1\",\"endTimeUnixNano\":\"2\"}]}]}]}";
    HttpResponse<byte[]> r = post("application/json", json.getBytes(StandardCharsets.UTF_8), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(received.get(0).getResourceSpans(0).getScopeSpans(0).getSpans(0).getTraceId().size())
        .isEqualTo(16);
    HttpResponse<byte[]> bad =
        post("application/json", "{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8), null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new String(bad.body(), StandardCharsets.UTF_8))
        .contains("malformed ExportTraceServiceRequest");
  }

  @Test
  void backPressureIs429WithRetryAfter() throws Exception {
    full = true;
    HttpResponse<byte[]> r =
        post("application/x-protobuf", request(span(16, "a")).toByteArray(), null);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).contains("7");
  }

  @Test
  void healthAndReady() throws Exception {
    for (String path : List.of("/health", "/ready")) {
      assertThat(
              client
                  .send(
                      HttpRequest.newBuilder(
                              URI.create("http://127.0.0.1:" + receiver.httpPort() + path))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }
  }
}
