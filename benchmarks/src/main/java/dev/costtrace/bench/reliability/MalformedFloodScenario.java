package dev.costtrace.bench.reliability;

import dev.costtrace.receiver.otlp.RawExport;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPOutputStream;

/**
 * Malformed and fuzzed requests by the thousand, over both transports, while valid exports keep
 * coming: random bytes, truncated and bit-flipped requests, broken JSON and JSON of the wrong
 * shape, broken gzip, a gzip bomb, wrong content types, bad IDs, nesting past the parser's limit.
 * Each must get a clear client error (400, 413, 415; INVALID_ARGUMENT) or a partial success, never
 * a 500 or INTERNAL; the receiver must stay up and in its memory; the valid exports around them
 * must all be stored, once.
 */
final class MalformedFloodScenario implements Scenario {
  private static final int KINDS = 12;

  @Override
  public String name() {
    return "malformed-flood";
  }

  @Override
  public String fault() {
    return "malformed and fuzzed requests, both transports, amid valid load";
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    int total = bench.settings.malformedRequests();
    try (Workbench.Run run = bench.run(name(), fault())) {
      java.util.Map<String, String> env = run.env(bench.clickhouse.httpUrl());
      // A 1 MiB request limit (valid requests are ~35 KB): the gzip bomb need only inflate past it.
      env.put("COSTTRACE_MAX_REQUEST_BYTES", "1MiB");
      run.start(env, 0, 64);
      double rate = bench.settings.steadySpansPerSecond() / TraceRequests.SPANS / 4;
      Thread valid = new Thread(() -> run.load.offer(rate, Duration.ofHours(1)), "valid-load");
      run.loadStarts();
      valid.start();
      Map<String, LongAdder> answers = new ConcurrentHashMap<>();
      TraceRequests fuzzBase = new TraceRequests(0x0BADBADL); // fuzzed IDs land outside the ledger
      byte[] bomb = gzip(new byte[2 << 20]);
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .executor(
                  Executors.newFixedThreadPool(
                      4,
                      r -> {
                        Thread t = new Thread(r, "malformed-http");
                        t.setDaemon(true);
                        return t;
                      }))
              .build();
      ManagedChannel grpc =
          NettyChannelBuilder.forAddress("127.0.0.1", run.serve.grpcPort()).usePlaintext().build();
      Semaphore inFlight = new Semaphore(64);
      URI traces = URI.create(run.serve.httpUrl() + "/v1/traces");
      Random random = new Random(42);
      long t0 = System.nanoTime();
      try {
        for (int i = 0; i < total; i++) {
          inFlight.acquire();
          int kind = i % KINDS;
          byte[] base = fuzzBase.request(i);
          if (kind == 10) {
            byte[] garbage = new byte[1 + random.nextInt(4096)];
            random.nextBytes(garbage);
            var f =
                ClientCalls.futureUnaryCall(
                    grpc.newCall(
                        RawExport.METHOD,
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
                    garbage);
            f.addListener(
                () -> {
                  inFlight.release();
                  String outcome;
                  try {
                    f.get();
                    outcome = "grpc OK";
                  } catch (Exception e) {
                    outcome =
                        "grpc "
                            + Status.fromThrowable(e.getCause() != null ? e.getCause() : e)
                                .getCode();
                  }
                  answers.computeIfAbsent(outcome, k -> new LongAdder()).increment();
                },
                Runnable::run);
            continue;
          }
          HttpRequest.Builder r = HttpRequest.newBuilder(traces).timeout(Duration.ofSeconds(30));
          String type = "application/x-protobuf";
          byte[] body;
          switch (kind) {
            case 0 -> {
              body = new byte[1 + random.nextInt(8192)];
              random.nextBytes(body);
            }
            case 1 -> body = java.util.Arrays.copyOf(base, 1 + random.nextInt(base.length - 1));
            case 2 -> {
              body = base.clone();
              for (int flip = 0; flip < 8; flip++) {
                body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
              }
            }
            case 3 -> {
              type = "application/json";
              String json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + i;
              body =
                  json.substring(0, 1 + random.nextInt(json.length() - 1))
                      .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
              type = "application/json";
              body =
                  ("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
                          + i
                          + ",\"name\":{\"x\":[]}}]}]}]}")
                      .getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> {
              r.header("Content-Encoding", "gzip");
              body = base.clone(); // not gzip at all
            }
            case 6 -> {
              r.header("Content-Encoding", "gzip");
              body = bomb; // 2 MiB of zeros in a few KB: over the 1 MiB limit once inflated
            }
            case 7 -> {
              type = random.nextBoolean() ? "text/plain" : "application/xml";
              body = base;
            }
            case 8 -> body = badIds(i);
            case 9 -> body = nested(i, 200);
            default -> body = new byte[0]; // an empty request: success, nothing stored
          }
          http.sendAsync(
                  r.header("Content-Type", type)
                      .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .whenComplete(
                  (response, error) -> {
                    inFlight.release();
                    String outcome =
                        error != null
                            ? "http " + error.getClass().getSimpleName()
                            : "http " + response.statusCode();
                    answers.computeIfAbsent(outcome, k -> new LongAdder()).increment();
                  });
        }
        inFlight.acquire(64);
      } finally {
        grpc.shutdownNow();
      }
      double floodSeconds = run.secondsSince(t0);
      run.load.stopOffering();
      valid.join();
      run.loadStops();
      Map<String, Long> tally = new TreeMap<>();
      answers.forEach((k, v) -> tally.put(k, v.sum()));
      for (Map.Entry<String, Long> e : tally.entrySet()) {
        String outcome = e.getKey();
        boolean fine =
            outcome.equals("http 200")
                || outcome.equals("http 400")
                || outcome.equals("http 413")
                || outcome.equals("http 415")
                || outcome.equals("http 429")
                || outcome.equals("http 503")
                || outcome.equals("grpc OK")
                || outcome.equals("grpc INVALID_ARGUMENT")
                || outcome.equals("grpc UNAVAILABLE")
                || outcome.equals("grpc RESOURCE_EXHAUSTED");
        if (!fine) {
          run.violations.add(e.getValue() + " malformed requests answered " + outcome);
        }
      }
      run.notes.add(
          String.format(
              "%,d malformed requests in %.1f s (%,.0f/s); answers %s",
              total, floodSeconds, total / floodSeconds, tally));
      return run.finish(-1, -1); // not a fault with an end: no time to recover
    }
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  /** Spans whose IDs have the wrong length: rejected one by one (partial success). */
  private static byte[] badIds(int i) {
    Span span =
        Span.newBuilder()
            .setTraceId(com.google.protobuf.ByteString.copyFromUtf8("abc"))
            .setSpanId(com.google.protobuf.ByteString.copyFromUtf8("x" + i))
            .setName("chat")
            .build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
        .build()
        .toByteArray();
  }

  /** An attribute value nested {@code depth} levels deep: past protobuf's recursion limit. */
  private static byte[] nested(int i, int depth) {
    AnyValue value = AnyValue.newBuilder().setStringValue("leaf " + i).build();
    for (int d = 0; d < depth; d++) {
      value =
          AnyValue.newBuilder()
              .setKvlistValue(
                  KeyValueList.newBuilder()
                      .addValues(KeyValue.newBuilder().setKey("k").setValue(value)))
              .build();
    }
    Span span =
        Span.newBuilder()
            .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[16]))
            .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[8]))
            .setName("deep")
            .addAttributes(KeyValue.newBuilder().setKey("deep").setValue(value))
            .build();
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
        .build()
        .toByteArray();
  }
}
