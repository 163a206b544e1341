package dev.costtrace.receiver.ingest;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.costtrace.receiver.api.CostApi;
import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import dev.costtrace.receiver.metrics.MetricsSource;
import dev.costtrace.receiver.metrics.PrometheusText;
import dev.costtrace.receiver.metrics.RequestMetrics;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import dev.costtrace.sink.report.ConversationCosts;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * OTLP/gRPC on {@value Builder#DEFAULT_GRPC_PORT} and OTLP/HTTP on {@value
 * Builder#DEFAULT_HTTP_PORT} (the ports OpenTelemetry exporters default to), plus {@code /health},
 * {@code /ready}, {@code /metrics} (Prometheus text) and, when configured, the cost API ({@code
 * /api/v1/}, {@link CostApi}) on the HTTP port. Memory stays bounded under overload: a bounded
 * worker queue per transport and a shared budget for the bytes of requests in flight, past which
 * exporters are told to retry (503/429 with Retry-After, UNAVAILABLE/RESOURCE_EXHAUSTED).
 */
public final class OtlpReceiver implements AutoCloseable {
  /** The JDK HttpServer's switch for TCP_NODELAY on the connections it accepts (default off). */
  static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

  static {
    // With Nagle's algorithm on, a response written as headers and then body can wait for the
    // client's delayed ACK: 40 ms on Linux loopback for the JDK HttpClient on a kept-alive
    // connection (cost API lookup p50 96 -> 52 ms, benchmarks/results/api.md; curl and the SDK's
    // OTLP exporters showed no such wait). The HttpServer reads the property once, when it is
    // first used; a value the user set stays.
    if (System.getProperty(NODELAY_PROPERTY) == null) {
      System.setProperty(NODELAY_PROPERTY, "true");
    }
  }

  /** What an export without a known bearer token is told (never which part was wrong). */
  static final String UNAUTHENTICATED_MESSAGE =
      "missing or unknown bearer token: send 'Authorization: Bearer <token>'";

  /** What an export under an admin token is told: admin tokens read, tenants' tokens export. */
  static final String ADMIN_EXPORT_MESSAGE =
      "an admin token reads the cost API only; export with a tenant's token";

  /** What an export arriving while the receiver drains is told, with a retryable status. */
  static final String DRAINING_MESSAGE = "the receiver is shutting down; retry on another";

  private final Server grpc;
  private final HttpServer http;
  private final ThreadPoolExecutor httpWorkers;
  private final ThreadPoolExecutor grpcWorkers;
  private final OtlpGrpcService grpcService;
  private final RequestMetrics requestMetrics = new RequestMetrics();
  private volatile boolean ready = true;

  private OtlpReceiver(Builder b) throws IOException {
    AdmissionControl admission = new AdmissionControl(b.memoryBudgetBytes);
    this.grpcService = new OtlpGrpcService(b.consumer, admission, requestMetrics, () -> ready);
    ServerCredentials credentials =
        b.tlsCredentials != null ? b.tlsCredentials : InsecureServerCredentials.create();
    SSLContext https = b.tlsContext;
    this.grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress(b.host, b.grpcPort), credentials)
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, b.maxRequestBytes))
            .maxConcurrentCallsPerConnection(b.workerThreads)
            .executor(
                grpcWorkers = workers("costtrace-otlp-grpc", b.workerThreads, b.queueCapacity))
            .addService(
                b.tokens == null
                    ? OtlpGrpcService.definition(grpcService)
                    : ServerInterceptors.intercept(
                        OtlpGrpcService.definition(grpcService),
                        new BearerAuthInterceptor(b.tokens, requestMetrics)))
            .build()
            .start();
    if (https != null) {
      HttpsServer server = HttpsServer.create(new InetSocketAddress(b.host, b.httpPort), 128);
      server.setHttpsConfigurator(new HttpsConfigurator(https));
      this.http = server;
    } else {
      this.http = HttpServer.create(new InetSocketAddress(b.host, b.httpPort), 128);
    }
    this.httpWorkers = workers("costtrace-otlp-http", b.workerThreads, b.queueCapacity);
    http.setExecutor(httpWorkers);
    http.createContext(
        "/v1/traces",
        new OtlpHttpHandler(
            b.consumer, b.maxRequestBytes, b.tokens, admission, requestMetrics, () -> ready));
    CostApi api =
        b.costs == null
            ? null
            : new CostApi(b.costs, b.tokens, Clock.systemUTC(), OtlpReceiver::queueFull, b.budgets);
    if (api != null) {
      http.createContext(CostApi.PREFIX, api);
    }
    http.createContext("/health", e -> text(e, 200, "ok", "text/plain; charset=utf-8"));
    http.createContext(
        "/ready",
        e -> text(e, ready ? 200 : 503, ready ? "ready" : "draining", "text/plain; charset=utf-8"));
    List<MetricsSource> sources = new ArrayList<>(b.metricsSources);
    sources.add(requestMetrics);
    if (api != null) {
      sources.add(api);
    }
    sources.add(
        out ->
            out.gauge(
                    "costtrace_worker_queue_depth",
                    "Requests waiting for a worker thread.",
                    httpWorkers.getQueue().size(),
                    "transport",
                    "http")
                .gauge(
                    "costtrace_worker_queue_depth",
                    "Requests waiting for a worker thread.",
                    grpcWorkers.getQueue().size(),
                    "transport",
                    "grpc")
                .gauge(
                    "costtrace_memory_in_flight_bytes",
                    "Estimated heap held by requests in flight (the admission budget's use).",
                    admission.inFlightBytes())
                .gauge(
                    "costtrace_memory_budget_bytes",
                    "The admission budget for requests in flight.",
                    admission.budgetBytes()));
    http.createContext(
        "/metrics",
        e -> {
          PrometheusText out = new PrometheusText();
          for (MetricsSource source : sources) {
            source.writeTo(out);
          }
          text(e, 200, out.toString().stripTrailing(), PrometheusText.CONTENT_TYPE);
        });
    http.start();
  }

  /**
   * A fixed pool with a bounded queue. When the queue is full the task runs on the submitting
   * (accepting) thread with {@link #queueFull()} set, and the handlers answer it at once with a
   * retryable status without reading it: memory stays bounded and the exporter retries.
   */
  private static ThreadPoolExecutor workers(String name, int threads, int queue) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queue),
        r -> {
          Thread t = new Thread(r, name + "-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        },
        (task, pool) -> {
          if (pool.isShutdown()) {
            throw new RejectedExecutionException(name + " is shut down");
          }
          QUEUE_FULL.set(Boolean.TRUE);
          try {
            task.run();
          } finally {
            QUEUE_FULL.remove();
          }
        });
  }

  private static final ThreadLocal<Boolean> QUEUE_FULL = new ThreadLocal<>();

  /** True while a handler runs because the worker queue was full. */
  static boolean queueFull() {
    return QUEUE_FULL.get() != null;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public int httpPort() {
    return http.getAddress().getPort();
  }

  /** Stops taking requests (ready → false), lets in-flight ones finish, then stops. */
  public void shutdown(Duration grace) {
    ready = false;
    grpc.shutdown();
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      // JDK 17's HttpServer.stop(delay) waits the whole delay even when idle: wait for our own
      // workers to finish what they have (new exports meanwhile get 503), then stop at once.
      while ((httpWorkers.getActiveCount() > 0 || !httpWorkers.getQueue().isEmpty())
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      http.stop(0);
      grpc.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      httpWorkers.shutdown();
      httpWorkers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      grpcWorkers.shutdown();
      grpcWorkers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    grpc.shutdownNow();
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }

  private static void text(
      com.sun.net.httpserver.HttpExchange e, int code, String body, String type)
      throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    e.getResponseHeaders().set("Content-Type", type);
    e.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = e.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Builder for {@link OtlpReceiver}; every default is here. */
  public static final class Builder {
    public static final int DEFAULT_GRPC_PORT = 4317;
    public static final int DEFAULT_HTTP_PORT = 4318;
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final long DEFAULT_MAX_REQUEST_BYTES = 16L << 20;
    public static final int DEFAULT_WORKER_THREADS = 8;
    public static final int DEFAULT_QUEUE_CAPACITY = 64;

    /** A quarter of the heap for requests in flight: the rest is the pipeline's and the sink's. */
    public static final double DEFAULT_MEMORY_BUDGET_FRACTION = 0.25;

    private TraceConsumer consumer;
    private String host = DEFAULT_HOST;
    private int grpcPort = DEFAULT_GRPC_PORT;
    private int httpPort = DEFAULT_HTTP_PORT;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int workerThreads = DEFAULT_WORKER_THREADS;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private long memoryBudgetBytes =
        (long) (Runtime.getRuntime().maxMemory() * DEFAULT_MEMORY_BUDGET_FRACTION);
    private final List<MetricsSource> metricsSources = new ArrayList<>();
    private SSLContext tlsContext;
    private ServerCredentials tlsCredentials;
    private BearerTokens tokens;
    private ConversationCosts costs;
    private Supplier<ReceiverBudgets> budgets = () -> null;

    private Builder() {}

    /**
     * Serves the conversation cost API under {@code /api/v1/} on the HTTP port, reading through
     * {@code costs} (default: no API). With {@link #auth} on, a tenant's token sees its tenant and
     * an admin token every tenant.
     */
    public Builder costApi(ConversationCosts costs) {
      this.costs = Objects.requireNonNull(costs, "costs");
      return this;
    }

    /**
     * The cost API with the budget state on its conversation endpoint: the rules' limits and the
     * spend they apply to, counting what this receiver acknowledged but has not written yet. {@code
     * budgets} is asked per request (null: budgets off).
     */
    public Builder costApi(ConversationCosts costs, Supplier<ReceiverBudgets> budgets) {
      this.budgets = Objects.requireNonNull(budgets, "budgets");
      return costApi(costs);
    }

    /**
     * Requires a known bearer token on every export and takes the tenant from it (default: no
     * auth). {@code /health}, {@code /ready} and {@code /metrics} stay open for probes.
     */
    public Builder auth(BearerTokens tokens) {
      this.tokens = tokens;
      return this;
    }

    public Builder consumer(TraceConsumer consumer) {
      this.consumer = Objects.requireNonNull(consumer, "consumer");
      return this;
    }

    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    public Builder grpcPort(int port) {
      this.grpcPort = checkPort(port, "grpcPort");
      return this;
    }

    public Builder httpPort(int port) {
      this.httpPort = checkPort(port, "httpPort");
      return this;
    }

    public Builder maxRequestBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxRequestBytes must be at least 1024");
      }
      this.maxRequestBytes = bytes;
      return this;
    }

    /** Worker threads per transport, and the most concurrent calls on one gRPC connection. */
    public Builder workerThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("workerThreads must be positive");
      }
      this.workerThreads = threads;
      return this;
    }

    /** Requests that may wait for a worker per transport before exporters are told to retry. */
    public Builder queueCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be positive");
      }
      this.queueCapacity = capacity;
      return this;
    }

    /**
     * Estimated heap that requests in flight may hold together (default a quarter of the maximum
     * heap); past it, exports get 429 / RESOURCE_EXHAUSTED and retry.
     */
    public Builder memoryBudgetBytes(long bytes) {
      if (bytes < 1 << 20) {
        throw new IllegalArgumentException("memoryBudgetBytes must be at least 1 MiB");
      }
      this.memoryBudgetBytes = bytes;
      return this;
    }

    /**
     * Serves TLS on both ports from PEM files: the certificate chain (leaf first) and an
     * unencrypted PKCS#8 key (default: plain text, e.g. behind a TLS-terminating proxy).
     */
    public Builder tls(Path certFile, Path keyFile) {
      // Read now, so that a wrong file fails before anything starts.
      this.tlsContext = PemTls.serverContext(certFile, keyFile);
      try {
        this.tlsCredentials = TlsServerCredentials.create(certFile.toFile(), keyFile.toFile());
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(
            "cannot use the TLS certificate "
                + certFile
                + " with key "
                + keyFile
                + ": "
                + e.getMessage(),
            e);
      }
      return this;
    }

    /** More samples for {@code /metrics} (the pipeline's, the sink's). */
    public Builder metrics(MetricsSource source) {
      this.metricsSources.add(Objects.requireNonNull(source, "source"));
      return this;
    }

    private static int checkPort(int port, String name) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(name + " must be from 0 to 65535");
      }
      return port;
    }

    /** Binds both ports and starts serving. */
    public OtlpReceiver start() {
      Objects.requireNonNull(consumer, "consumer");
      try {
        return new OtlpReceiver(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot bind the OTLP ports: " + e.getMessage(), e);
      }
    }
  }
}
