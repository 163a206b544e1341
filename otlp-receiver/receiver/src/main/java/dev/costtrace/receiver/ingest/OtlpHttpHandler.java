package dev.costtrace.receiver.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.metrics.RequestMetrics;
import dev.costtrace.receiver.otlp.OtlpJson;
import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/**
 * OTLP/HTTP {@code POST /v1/traces}: protobuf or JSON, optionally gzip; answers in the request's
 * encoding with partial success, 400 for malformed payloads, 413 above the size limit, 415 for
 * other content types, 401 without a known bearer token when auth is on (403 for an admin token,
 * which reads the cost API only), and 429/503 with Retry-After under back-pressure: a full sink, a
 * full worker queue, or the memory budget used up. Error bodies are {@code google.rpc.Status}, as
 * the OTLP specification asks.
 */
final class OtlpHttpHandler implements HttpHandler {
  private static final String PROTOBUF = "application/x-protobuf";
  private static final String JSON = "application/json";
  private static final int CHUNK = 64 * 1024;

  /** Compressed bytes read per refill (the JDK's default of 512 means many small socket reads). */
  private static final int GZIP_BUFFER = 16 * 1024;

  private final TraceConsumer consumer;
  private final long maxRequestBytes;
  private final BearerTokens tokens;
  private final AdmissionControl admission;
  private final RequestMetrics metrics;
  private final BooleanSupplier ready;

  OtlpHttpHandler(
      TraceConsumer consumer,
      long maxRequestBytes,
      BearerTokens tokens,
      AdmissionControl admission,
      RequestMetrics metrics,
      BooleanSupplier ready) {
    this.ready = ready;
    this.consumer = consumer;
    this.maxRequestBytes = maxRequestBytes;
    this.tokens = tokens;
    this.admission = admission;
    this.metrics = metrics;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    long start = System.nanoTime();
    metrics.started("http");
    long[] reserved = {0};
    try (exchange) {
      if (!exchange.getRequestMethod().equals("POST")) {
        exchange.getResponseHeaders().set("Allow", "POST");
        plain(exchange, 405, "only POST is allowed on /v1/traces");
        return;
      }
      String type = contentType(exchange);
      boolean json = type.equals(JSON);
      if (!json && !type.equals(PROTOBUF)) {
        plain(
            exchange,
            415,
            "unsupported content type '" + type + "': use " + PROTOBUF + " or " + JSON);
        return;
      }
      if (!ready.getAsBoolean()) {
        // Draining: what is in flight finishes, new exports go elsewhere (or come back later).
        status(
            exchange, 503, json, OtlpReceiver.DRAINING_MESSAGE, RetryableStatus.BUSY_RETRY_AFTER);
        return;
      }
      if (OtlpReceiver.queueFull()) {
        // The worker queue is full and this runs on the accepting thread: answer at once, unread.
        status(
            exchange,
            503,
            json,
            "the receiver is at capacity; retry later",
            RetryableStatus.BUSY_RETRY_AFTER);
        return;
      }
      String tenant = null;
      if (tokens != null) {
        BearerTokens.Caller caller =
            tokens.callerFor(exchange.getRequestHeaders().getFirst("Authorization"));
        if (caller == null) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"costtrace\"");
          status(exchange, 401, json, OtlpReceiver.UNAUTHENTICATED_MESSAGE, null);
          return;
        }
        if (caller.admin()) {
          status(exchange, 403, json, OtlpReceiver.ADMIN_EXPORT_MESSAGE, null);
          return;
        }
        tenant = caller.tenant();
      }
      byte[] body;
      try {
        body = readBody(exchange, reserved);
      } catch (OverBudgetException e) {
        status(
            exchange,
            429,
            json,
            "the receiver is over its memory budget; retry later",
            RetryableStatus.BUSY_RETRY_AFTER);
        return;
      } catch (TooLargeException e) {
        status(exchange, 413, json, "request body exceeds " + maxRequestBytes + " bytes", null);
        return;
      } catch (IOException e) {
        status(exchange, 400, json, "cannot read the request body: " + e.getMessage(), null);
        return;
      }
      ExportTraceServiceRequest request;
      try {
        request = json ? OtlpJson.parseTraces(body) : ExportTraceServiceRequest.parseFrom(body);
      } catch (InvalidProtocolBufferException | OtlpJson.InvalidOtlpException e) {
        status(exchange, 400, json, "malformed ExportTraceServiceRequest: " + e.getMessage(), null);
        return;
      }
      ExportOutcome outcome;
      try {
        outcome = consumer.consume(request, tenant);
      } catch (BackPressureException e) {
        status(exchange, e.unavailable() ? 503 : 429, json, e.getMessage(), e.retryAfter());
        return;
      }
      send(exchange, 200, json, OtlpGrpcService.response(outcome));
    } catch (RuntimeException e) {
      // A bug, not a condition a retry can change: 500, which exporters do not retry.
      plain(exchange, 500, "export failed: " + e.getMessage());
    } finally {
      admission.release(reserved[0]);
      metrics.finished(
          "http", Integer.toString(exchange.getResponseCode()), System.nanoTime() - start);
    }
  }

  private static String contentType(HttpExchange exchange) {
    String t = exchange.getRequestHeaders().getFirst("Content-Type");
    if (t == null) {
      return "";
    }
    int semicolon = t.indexOf(';');
    return (semicolon < 0 ? t : t.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads the (decompressed) body, reserving it against the memory budget before holding it; {@code
   * reserved[0]} says how much to release when the request is done. A plain body of known length is
   * reserved at once and read into an array of its size; otherwise (gzip, chunked) it is read in
   * chunks, each reserved first.
   */
  private byte[] readBody(HttpExchange exchange, long[] reserved) throws IOException {
    InputStream in = exchange.getRequestBody();
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    boolean gzip = encoding != null && encoding.equalsIgnoreCase("gzip");
    if (gzip) {
      in = new GZIPInputStream(in, GZIP_BUFFER);
    } else if (encoding != null && !encoding.isEmpty() && !encoding.equalsIgnoreCase("identity")) {
      throw new IOException("unsupported Content-Encoding " + encoding);
    }
    long length = gzip ? -1 : contentLength(exchange);
    if (length >= 0 && length <= maxRequestBytes) {
      if (!admission.tryAcquire(length)) {
        throw new OverBudgetException();
      }
      reserved[0] += length;
      byte[] body = new byte[(int) length];
      int n = in.readNBytes(body, 0, body.length);
      if (n < body.length) {
        throw new IOException("the body ended after " + n + " of " + length + " bytes");
      }
      return body;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
    byte[] chunk = new byte[CHUNK];
    while (true) {
      // Limit the decompressed size too: a small gzip body can expand without bound.
      int want = (int) Math.min(CHUNK, maxRequestBytes + 1 - body.size());
      if (want <= 0) {
        throw new TooLargeException();
      }
      int n = in.readNBytes(chunk, 0, want);
      if (n == 0) {
        return body.toByteArray();
      }
      if (!admission.tryAcquire(n)) {
        throw new OverBudgetException();
      }
      reserved[0] += n;
      body.write(chunk, 0, n);
    }
  }

  /**
   * The request's Content-Length, or -1 when the body is chunked or the length absent or not a
   * number (the chunked path decides then).
   */
  private static long contentLength(HttpExchange exchange) {
    String value = exchange.getRequestHeaders().getFirst("Content-Length");
    if (value == null || exchange.getRequestHeaders().containsKey("Transfer-Encoding")) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * A failure with its {@code google.rpc.Status} body. With {@code retryAfter} (429 and 503, the
   * retryable ones), {@code Retry-After} in whole seconds and RetryInfo in the status's details.
   */
  private static void status(
      HttpExchange exchange, int code, boolean json, String message, java.time.Duration retryAfter)
      throws IOException {
    io.grpc.Status.Code grpc =
        code == 400 || code == 413
            ? io.grpc.Status.Code.INVALID_ARGUMENT
            : code == 401
                ? io.grpc.Status.Code.UNAUTHENTICATED
                : code == 403
                    ? io.grpc.Status.Code.PERMISSION_DENIED
                    : code == 429
                        ? io.grpc.Status.Code.RESOURCE_EXHAUSTED
                        : io.grpc.Status.Code.UNAVAILABLE;
    com.google.rpc.Status status;
    if (retryAfter != null) {
      exchange
          .getResponseHeaders()
          .set("Retry-After", RetryableStatus.retryAfterSeconds(retryAfter));
      status = RetryableStatus.status(grpc, message, retryAfter);
    } else {
      status = com.google.rpc.Status.newBuilder().setCode(grpc.value()).setMessage(message).build();
    }
    send(exchange, code, json, status);
  }

  private static void send(HttpExchange exchange, int code, boolean json, Message message)
      throws IOException {
    byte[] bytes =
        json
            ? JsonFormat.printer()
                .omittingInsignificantWhitespace()
                .print(message)
                .getBytes(StandardCharsets.UTF_8)
            : message.toByteArray();
    exchange.getResponseHeaders().set("Content-Type", json ? JSON : PROTOBUF);
    exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static void plain(HttpExchange exchange, int code, String message) throws IOException {
    byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
  }

  private static final class OverBudgetException extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
