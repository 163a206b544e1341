package dev.costtrace.agent.it;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * An OTLP http/protobuf endpoint on loopback (ephemeral port) that keeps every span with the name
 * of the instrumentation scope that made it, decoded with opentelemetry-proto. {@link
 * #forwardingTo} also hands every export on to a real receiver and answers with its answer, so a
 * test sees both what the app exported and what the receiver made of it.
 */
final class OtlpTestBackend implements AutoCloseable {
  /** A received span, the instrumentation scope that made it and its resource's attributes. */
  record ScopedSpan(String scope, Span span, List<KeyValue> resource) {}

  private final HttpServer server;
  private final List<ScopedSpan> spans = new CopyOnWriteArrayList<>();

  OtlpTestBackend() throws IOException {
    this(true, null);
  }

  /** An endpoint that answers every export with success and keeps nothing (benchmarks). */
  static OtlpTestBackend discarding() throws IOException {
    return new OtlpTestBackend(false, null);
  }

  /**
   * Keeps every span and passes each export on, as it came, to the OTLP/HTTP receiver at {@code
   * endpoint} (e.g. {@code http://127.0.0.1:4318}), answering the exporter with the receiver's
   * status and body: the exporter sees that receiver, retries and all.
   */
  static OtlpTestBackend forwardingTo(String endpoint) throws IOException {
    return new OtlpTestBackend(true, URI.create(endpoint + "/v1/traces"));
  }

  private OtlpTestBackend(boolean keep, URI forward) throws IOException {
    HttpClient client = forward == null ? null : HttpClient.newHttpClient();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/traces",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          int status = 200;
          if (!keep) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
          }
          if (forward != null) {
            HttpResponse<byte[]> answer;
            try {
              answer =
                  client.send(
                      HttpRequest.newBuilder(forward)
                          .header(
                              "Content-Type", exchange.getRequestHeaders().getFirst("Content-Type"))
                          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                          .build(),
                      HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
            // Kept before the exporter has its answer (after which the app may exit), and only
            // what the receiver accepted: a retried export is kept once.
            if (answer.statusCode() / 100 == 2) {
              keep(body);
            }
            answer
                .headers()
                .firstValue("Content-Type")
                .ifPresent(v -> exchange.getResponseHeaders().add("Content-Type", v));
            exchange.sendResponseHeaders(
                answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            exchange.getResponseBody().write(answer.body());
            exchange.close();
            return;
          }
          try {
            keep(body);
          } catch (InvalidProtocolBufferException e) {
            status = 400;
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(status, 0);
          exchange.close();
        });
    server.start();
  }

  private void keep(byte[] body) throws InvalidProtocolBufferException {
    for (ResourceSpans rs : ExportTraceServiceRequest.parseFrom(body).getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(
              new ScopedSpan(ss.getScope().getName(), s, rs.getResource().getAttributesList()));
        }
      }
    }
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void clear() {
    spans.clear();
  }

  List<ScopedSpan> spans() {
    return List.copyOf(spans);
  }

  /** Waits up to 10 s until a span matching {@code until} has arrived. */
  List<ScopedSpan> await(Predicate<List<ScopedSpan>> until) throws InterruptedException {
    try {
      Awaitility.await("spans")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> until.test(spans()));
    } catch (ConditionTimeoutException e) {
      // the caller's assertions on what did arrive say more than the timeout would
    }
    return spans();
  }

  /**
   * The gen_ai spans (any {@code gen_ai.operation.name}) in the trace of {@code root}; an app span
   * that is the root of its own trace thus gets every gen_ai span made under it, at any depth.
   */
  static List<ScopedSpan> genAiUnder(List<ScopedSpan> all, Span root) {
    return all.stream()
        .filter(s -> s.span().getTraceId().equals(root.getTraceId()))
        .filter(s -> string(s.span(), "gen_ai.operation.name").isPresent())
        .collect(Collectors.toList());
  }

  /** The gen_ai spans under the app span {@code scenario <name>} (the test apps' convention). */
  static List<ScopedSpan> genAiOfScenario(List<ScopedSpan> all, String scenario) {
    Span parent =
        all.stream()
            .map(ScopedSpan::span)
            .filter(s -> s.getName().equals("scenario " + scenario))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no scenario span " + scenario));
    return genAiUnder(all, parent);
  }

  static Optional<AnyValue> attribute(Span span, String key) {
    for (KeyValue kv : span.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return Optional.of(kv.getValue());
      }
    }
    return Optional.empty();
  }

  static Optional<String> string(Span span, String key) {
    return attribute(span, key).filter(AnyValue::hasStringValue).map(AnyValue::getStringValue);
  }

  static Optional<Long> integer(Span span, String key) {
    return attribute(span, key).filter(AnyValue::hasIntValue).map(AnyValue::getIntValue);
  }

  static List<String> strings(Span span, String key) {
    return attribute(span, key)
        .filter(AnyValue::hasArrayValue)
        .map(
            v ->
                v.getArrayValue().getValuesList().stream()
                    .map(AnyValue::getStringValue)
                    .collect(Collectors.toList()))
        .orElse(List.of());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
