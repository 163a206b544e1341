package dev.costtrace.testing.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A loopback HTTP proxy in front of ClickHouse that reads the SQL of every request and, armed,
 * kills the engine at the n-th request whose SQL matches: before passing it on, while ClickHouse
 * takes it, or after ClickHouse answered but before the answer gets back. So a fault test can kill
 * the engine at each point of a batch (its span rows, its observations, its rollups). While the
 * engine is down, or while {@link #closeGate() the gate is closed}, every request gets 503.
 */
public final class ClickHouseFaultProxy implements AutoCloseable {
  /** When, for the matching request, the engine dies. */
  public enum Moment {
    /** Before the request is passed on: ClickHouse never sees it. */
    BEFORE,
    /** Just after it is passed on: ClickHouse may or may not have done it. */
    DURING,
    /** After ClickHouse answered: it was done, and the answer is lost. */
    AFTER
  }

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "host",
          "connection",
          "content-length",
          "expect",
          "upgrade",
          "transfer-encoding",
          "keep-alive",
          "te",
          "trailer",
          "proxy-connection");

  private final HttpServer server;
  private final ExecutorService workers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "clickhouse-fault-proxy");
            t.setDaemon(true);
            return t;
          });
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final URI target;
  private volatile boolean gateOpen = true;
  private volatile Armed armed;

  private record Armed(
      Pattern sql, AtomicInteger left, Moment moment, Runnable kill, CountDownLatch fired) {}

  public ClickHouseFaultProxy(int targetPort) {
    this.target = URI.create("http://127.0.0.1:" + targetPort);
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(workers);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The URL to give the receiver as {@code CLICKHOUSE_URL}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Kills the engine ({@code kill}) at the {@code nth} request (from 1) whose SQL matches, at
   * {@code moment}; the returned latch opens once it has.
   */
  public CountDownLatch arm(Pattern sql, int nth, Moment moment, Runnable kill) {
    Armed a = new Armed(sql, new AtomicInteger(nth), moment, kill, new CountDownLatch(1));
    armed = a;
    return a.fired();
  }

  /** Every request gets 503 until {@link #openGate()}: ClickHouse unreachable, the engine alive. */
  public void closeGate() {
    gateOpen = false;
  }

  public void openGate() {
    gateOpen = true;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      if (!gateOpen) {
        refuse(exchange, "gate closed");
        return;
      }
      String sql = sql(exchange.getRequestURI().getRawQuery(), body);
      Armed a = armed;
      Moment moment = null;
      if (a != null && a.sql().matcher(sql).find() && a.left().decrementAndGet() == 0) {
        armed = null;
        moment = a.moment();
      }
      if (moment == Moment.BEFORE) {
        fire(a);
        refuse(exchange, "engine killed before " + head(sql));
        return;
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
              .timeout(Duration.ofSeconds(120))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                  values.forEach(v -> request.header(name, v));
                }
              });
      CompletableFuture<HttpResponse<byte[]>> sent =
          http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (moment == Moment.DURING) {
        Armed killing = a;
        CompletableFuture.runAsync(
            () -> fire(killing), CompletableFuture.delayedExecutor(2, TimeUnit.MILLISECONDS));
      }
      HttpResponse<byte[]> response;
      try {
        response = sent.get(130, TimeUnit.SECONDS);
      } catch (Exception e) {
        refuse(exchange, "ClickHouse unreachable: " + e);
        return;
      }
      if (moment == Moment.AFTER) {
        fire(a);
        refuse(exchange, "engine killed after " + head(sql));
        return;
      }
      response
          .headers()
          .map()
          .forEach(
              (name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))
                    && !name.equals(":status")) {
                  exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
              });
      byte[] out = response.body();
      exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(out);
      }
    }
  }

  private static void fire(Armed a) {
    a.kill().run();
    a.fired().countDown();
  }

  private static void refuse(HttpExchange exchange, String why) throws IOException {
    byte[] text = why.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(503, text.length);
    try (OutputStream o = exchange.getResponseBody()) {
      o.write(text);
    }
  }

  /** The statement: the {@code query} parameter (an insert's), else the body (a query's text). */
  static String sql(String rawQuery, byte[] body) {
    String query = "";
    if (rawQuery != null) {
      for (String p : rawQuery.split("&")) {
        if (p.startsWith("query=")) {
          query = URLDecoder.decode(p.substring(6), StandardCharsets.UTF_8);
        }
      }
    }
    if (query.toUpperCase(Locale.ROOT).contains(" FORMAT ")) {
      return query; // an insert: the body is its data
    }
    return query + " " + new String(body, 0, Math.min(body.length, 4096), StandardCharsets.UTF_8);
  }

  private static String head(String sql) {
    String s = sql.strip().replaceAll("\\s+", " ");
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }
}
