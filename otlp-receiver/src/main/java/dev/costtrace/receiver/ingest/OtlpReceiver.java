package dev.costtrace.receiver.ingest;

import com.sun.net.httpserver.HttpServer;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC on {@value Builder#DEFAULT_GRPC_PORT} and OTLP/HTTP on {@value Builder#DEFAULT_HTTP_PORT}
 * (the ports OpenTelemetry exporters default to), plus {@code /health} and {@code /ready}.
 */
public final class OtlpReceiver implements AutoCloseable {
  private final Server grpc;
  private final HttpServer http;
  private final ExecutorService httpWorkers;
  private volatile boolean ready = true;

  private OtlpReceiver(Builder b) throws IOException {
    this.grpc = NettyServerBuilder.forAddress(new InetSocketAddress(b.host, b.grpcPort))
        .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, b.maxRequestBytes))
        .addService(OtlpGrpcService.definition(b.consumer))
        .build()
        .start();
    this.http = HttpServer.create(new InetSocketAddress(b.host, b.httpPort), 128);
    this.httpWorkers = Executors.newFixedThreadPool(b.httpThreads, r -> {
      Thread t = new Thread(r, "costtrace-otlp-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(httpWorkers);
    http.createContext("/v1/traces", new OtlpHttpHandler(b.consumer, b.maxRequestBytes));
    http.createContext("/health", e -> text(e, 200, "ok"));
    http.createContext("/ready", e -> text(e, ready ? 200 : 503, ready ? "ready" : "draining"));
    http.start();
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
    http.stop((int) Math.max(0, grace.toSeconds()));
    try {
      grpc.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
      httpWorkers.shutdown();
      httpWorkers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    grpc.shutdownNow();
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }

  private static void text(com.sun.net.httpserver.HttpExchange e, int code, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
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
    public static final int DEFAULT_HTTP_THREADS = 8;

    private TraceConsumer consumer;
    private String host = DEFAULT_HOST;
    private int grpcPort = DEFAULT_GRPC_PORT;
    private int httpPort = DEFAULT_HTTP_PORT;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int httpThreads = DEFAULT_HTTP_THREADS;

    private Builder() {}

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

    public Builder httpThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("httpThreads must be positive");
      }
      this.httpThreads = threads;
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
