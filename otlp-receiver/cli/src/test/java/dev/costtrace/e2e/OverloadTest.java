package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.google.protobuf.ByteString;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code costtrace serve} in its own JVM with {@code -Xmx512m}, flooded over OTLP/HTTP by many
 * concurrent exporters that retry what they are refused, as the OTLP exporters do: the load offered
 * is several times what the receiver takes. It must not run out of memory, must tell the overflow
 * to retry (429/503 with Retry-After), and after SIGTERM every acknowledged span must be in
 * ClickHouse exactly once.
 */
class OverloadTest {
  static final int REQUESTS = 240;
  static final int SPANS_PER_REQUEST = 1000;
  static final int CONCURRENCY = 160;
  static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");

  @TempDir Path dir;

  static byte[] request(Random r) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < SPANS_PER_REQUEST; i++) {
      byte[] trace = new byte[16];
      byte[] span = new byte[8];
      r.nextBytes(trace);
      r.nextBytes(span);
      long start = System.currentTimeMillis() * 1_000_000L;
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(trace))
              .setSpanId(ByteString.copyFrom(span))
              .setName("chat gpt-4o-mini")
              .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
              .setStartTimeUnixNano(start)
              .setEndTimeUnixNano(start + 800_000_000L)
              .addAttributes(kv("gen_ai.operation.name", "chat"))
              .addAttributes(kv("gen_ai.provider.name", "openai"))
              .addAttributes(kv("gen_ai.request.model", "gpt-4o-mini"))
              .addAttributes(kv("gen_ai.conversation.id", "conv-" + r.nextInt(5000)))
              .addAttributes(
                  KeyValue.newBuilder()
                      .setKey("gen_ai.usage.input_tokens")
                      .setValue(AnyValue.newBuilder().setIntValue(1000 + r.nextInt(9000))))
              .addAttributes(
                  KeyValue.newBuilder()
                      .setKey("gen_ai.usage.output_tokens")
                      .setValue(AnyValue.newBuilder().setIntValue(50 + r.nextInt(500)))));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(kv("service.name", "load")))
                .addScopeSpans(scope))
        .build()
        .toByteArray();
  }

  static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder()
        .setKey(k)
        .setValue(AnyValue.newBuilder().setStringValue(v))
        .build();
  }

  @Test
  void aFloodStaysInItsMemoryIsToldToRetryAndLosesNothingAcknowledged() throws Exception {
    ClickHouseEndpoint clickhouse = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("overload");
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m",
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.costtrace.cli.CostTrace",
            "serve",
            "--grpc-port",
            "0",
            "--http-port",
            "0");
    pb.environment().put("CLICKHOUSE_URL", clickhouse.httpUrl());
    pb.environment().put("CLICKHOUSE_USER", clickhouse.user());
    pb.environment().put("CLICKHOUSE_PASSWORD", clickhouse.password());
    pb.environment().put("COSTTRACE_CLICKHOUSE_DATABASE", db);
    pb.environment().put("COSTTRACE_SINK_BUFFER_DIR", dir.resolve("buffer").toString());
    pb.environment().put("COSTTRACE_HOST", "127.0.0.1");
    Path log = dir.resolve("serve.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process serve = pb.start();
    try {
      await("serve names its ports")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !serve.isAlive() || PORTS.matcher(Files.readString(log)).find());
      Matcher ports = PORTS.matcher(Files.readString(log));
      assertThat(ports.find()).as(Files.readString(log)).isTrue();
      int port = Integer.parseInt(ports.group(2));

      Random random = new Random(11);
      LinkedBlockingQueue<byte[]> pending = new LinkedBlockingQueue<>();
      for (int i = 0; i < REQUESTS; i++) {
        pending.add(request(random));
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI traces = URI.create("http://127.0.0.1:" + port + "/v1/traces");
      Semaphore inFlight = new Semaphore(CONCURRENCY);
      AtomicInteger acknowledged = new AtomicInteger();
      AtomicLong attempts = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      AtomicLong refusedWithoutRetryAfter = new AtomicLong();
      AtomicLong other = new AtomicLong();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (acknowledged.get() < REQUESTS && System.nanoTime() < deadline && serve.isAlive()) {
        byte[] body = pending.poll(5, TimeUnit.MILLISECONDS); // or a refused one coming back
        if (body == null) {
          continue;
        }
        inFlight.acquire();
        attempts.incrementAndGet();
        http.sendAsync(
                HttpRequest.newBuilder(traces)
                    .header("Content-Type", "application/x-protobuf")
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(),
                HttpResponse.BodyHandlers.discarding())
            .whenComplete(
                (r, error) -> {
                  inFlight.release();
                  if (r != null && r.statusCode() == 200) {
                    acknowledged.incrementAndGet();
                    return;
                  }
                  if (r != null && (r.statusCode() == 429 || r.statusCode() == 503)) {
                    refused.incrementAndGet();
                    if (r.headers().firstValue("Retry-After").isEmpty()) {
                      refusedWithoutRetryAfter.incrementAndGet();
                    }
                  } else {
                    other.incrementAndGet(); // a reset connection: an exporter retries that too
                  }
                  pending.add(body);
                });
      }
      inFlight.acquire(CONCURRENCY);
      System.out.printf(
          "overload: %d attempts for %d acknowledged requests (%.1fx), %d refused, %d other%n",
          attempts.get(),
          acknowledged.get(),
          attempts.get() / (double) acknowledged.get(),
          refused.get(),
          other.get());

      assertThat(serve.isAlive()).as("the receiver survived: %s", Files.readString(log)).isTrue();
      assertThat(acknowledged.get()).isEqualTo(REQUESTS);
      assertThat(attempts.get())
          .as("load offered, in requests, versus what was taken")
          .isGreaterThanOrEqualTo(3L * REQUESTS);
      assertThat(refused.get()).isPositive();
      assertThat(refusedWithoutRetryAfter.get()).isZero();
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      serve.destroy(); // SIGTERM: drain, flush, exit
      assertThat(serve.waitFor(2, TimeUnit.MINUTES)).isTrue();
      assertThat(Files.readString(log))
          .doesNotContain("OutOfMemoryError")
          .contains("draining and flushing");
      long expected = (long) REQUESTS * SPANS_PER_REQUEST;
      String count = "SELECT count() AS n, uniqExact(trace_id, span_id) AS u FROM " + db + ".spans";
      try (Client c = clickhouse.newClient("default")) {
        if (c.queryAll(count).get(0).getLong("n") < expected) {
          // What ClickHouse had not taken within the drain's flush timeout is in the durable
          // buffer:
          // the next start replays it. (On a loaded machine the backlog outlasts the timeout.)
          Process again = pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
          try {
            // Generous: the replay also recomputes every trace's rollups, on a machine shared with
            // other builds.
            await("the buffer replayed into ClickHouse")
                .atMost(Duration.ofMinutes(8))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> !again.isAlive() || c.queryAll(count).get(0).getLong("n") >= expected);
            again.destroy();
            assertThat(again.waitFor(2, TimeUnit.MINUTES)).isTrue();
          } finally {
            again.destroyForcibly();
          }
        }
        GenericRecord r = c.queryAll(count).get(0);
        assertThat(r.getLong("n")).as(Files.readString(log)).isEqualTo(expected);
        assertThat(r.getLong("u")).isEqualTo(expected);
      }
    } finally {
      serve.destroyForcibly(); // a failed assertion must not leave the receiver running
    }
  }
}
