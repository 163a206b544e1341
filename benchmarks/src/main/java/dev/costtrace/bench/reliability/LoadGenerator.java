package dev.costtrace.bench.reliability;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import dev.costtrace.receiver.otlp.RawExport;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Offers export requests to a receiver and retries them as the Collector's OTLP exporters do
 * (exporterhelper's retry with its sending queue): HTTP 429/502/503/504, gRPC UNAVAILABLE,
 * RESOURCE_EXHAUSTED only with RetryInfo, DEADLINE_EXCEEDED and the like, and connection errors,
 * after the delay the server asks for (Retry-After, RetryInfo) or an exponential back-off with
 * jitter; anything else is dropped, as an exporter would. A quarter of the requests go over gRPC.
 *
 * <p>Open loop ({@link #offer}): new requests at a fixed rate whatever the receiver does, waiting
 * in the generator's queue while too many are in flight, as an app's exporters keep producing.
 * Closed loop ({@link #saturate}): a fixed number always in flight, to find what the receiver
 * holds. Which requests were acknowledged is kept for the {@link Verifier}.
 */
final class LoadGenerator implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** New requests waiting beyond this are dropped at the source, as a full exporter queue drops. */
  private static final int MAX_BACKLOG = 50_000;

  private final TraceRequests requests;
  private final URI traces;
  private final HttpClient http;
  private final ExecutorService httpExecutor;
  private final ManagedChannel grpc;
  private final Semaphore inFlight;
  private final int maxInFlight;
  private final DelayQueue<Retry> retries = new DelayQueue<>();
  private final ArrayDeque<Retry> backlog = new ArrayDeque<>();
  private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong();
  private final AtomicLong offered = new AtomicLong();
  private final LongAdder retried = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder sourceDropped = new LongAdder();
  private final AtomicLong pending = new AtomicLong();
  private volatile boolean stopOffering;
  private volatile long mark;
  private volatile long firstAckAfterMark;
  private volatile long lastAck;

  /** One request, and how many times it was sent. */
  private record Retry(long n, int attempt, long dueNanos) implements Delayed {
    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(dueNanos, ((Retry) o).dueNanos);
    }
  }

  LoadGenerator(TraceRequests requests, String httpUrl, int grpcPort, int maxInFlight) {
    this(requests, httpUrl, grpcPort, maxInFlight, 0);
  }

  /**
   * @param firstRequest the number of its first request: another generator's {@link #nextRequest}
   */
  LoadGenerator(
      TraceRequests requests, String httpUrl, int grpcPort, int maxInFlight, long firstRequest) {
    this.requests = requests;
    this.next.set(firstRequest);
    this.traces = URI.create(httpUrl + "/v1/traces");
    this.httpExecutor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "reliability-http");
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(httpExecutor)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.grpc =
        NettyChannelBuilder.forAddress("127.0.0.1", grpcPort)
            .usePlaintext()
            .maxInboundMessageSize(16 << 20)
            .build();
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
  }

  /**
   * Offers {@code requestsPerSecond} new requests a second for {@code duration}; returns after it.
   */
  void offer(double requestsPerSecond, Duration duration) {
    pump(requestsPerSecond, duration, false);
  }

  /** Keeps every slot in flight busy with new requests for {@code duration}. */
  void saturate(Duration duration) {
    pump(Double.POSITIVE_INFINITY, duration, false);
  }

  /** Makes an {@link #offer} running in another thread return now. */
  void stopOffering() {
    stopOffering = true;
  }

  /** Stops offering and keeps retrying until everything offered was answered, or the timeout. */
  boolean drain(Duration timeout) {
    pump(0, timeout, true);
    return pending.get() == 0;
  }

  private void pump(double rate, Duration duration, boolean untilDone) {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long issued = 0;
    stopOffering = false;
    while (System.nanoTime() < end && !(stopOffering && !untilDone)) {
      if (untilDone && pending.get() == 0) {
        return;
      }
      if (rate > 0) {
        long due =
            Double.isInfinite(rate)
                ? (backlog.isEmpty() ? inFlight.availablePermits() : 0)
                : (long) ((System.nanoTime() - start) / 1e9 * rate) - issued;
        for (long i = 0; i < due; i++) {
          issued++;
          offered.incrementAndGet();
          if (backlog.size() >= MAX_BACKLOG) {
            sourceDropped.increment();
            continue;
          }
          pending.incrementAndGet();
          backlog.addLast(new Retry(next.getAndIncrement(), 0, 0));
        }
      }
      Retry r;
      while ((r = retries.poll()) != null) {
        backlog.addFirst(r);
      }
      while (!backlog.isEmpty() && inFlight.tryAcquire()) {
        send(backlog.pollFirst());
      }
      LockSupport.parkNanos(200_000);
    }
  }

  private void send(Retry r) {
    byte[] body = requests.request(r.n());
    if (r.n() % 4 == 3) {
      com.google.common.util.concurrent.ListenableFuture<byte[]> f =
          ClientCalls.futureUnaryCall(
              grpc.newCall(
                  RawExport.METHOD,
                  CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)),
              body);
      f.addListener(
          () -> {
            inFlight.release();
            try {
              f.get();
              acknowledged(r, "grpc OK");
            } catch (java.util.concurrent.ExecutionException e) {
              grpcFailed(r, e.getCause());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          },
          Runnable::run);
      return;
    }
    http.sendAsync(
            HttpRequest.newBuilder(traces)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray())
        .whenComplete(
            (response, error) -> {
              inFlight.release();
              if (error != null) {
                retry(r, "http " + rootCause(error).getClass().getSimpleName(), null);
                return;
              }
              int code = response.statusCode();
              if (code == 200) {
                try {
                  if (ExportTraceServiceResponse.parseFrom(response.body())
                          .getPartialSuccess()
                          .getRejectedSpans()
                      > 0) {
                    count("http 200 partially rejected");
                  }
                } catch (IOException e) {
                  count("http 200 unreadable");
                }
                acknowledged(r, "http 200");
              } else if (code == 429 || code == 502 || code == 503 || code == 504) {
                Duration after =
                    response
                        .headers()
                        .firstValue("Retry-After")
                        .map(s -> Duration.ofSeconds(Long.parseLong(s.trim())))
                        .orElse(null);
                retry(r, "http " + code, after);
              } else {
                drop(r, "http " + code);
              }
            });
  }

  private void grpcFailed(Retry r, Throwable error) {
    Status status = Status.fromThrowable(error);
    Duration retryInfo = null;
    com.google.rpc.Status details = StatusProto.fromThrowable(error);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        if (any.is(RetryInfo.class)) {
          try {
            com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
            retryInfo = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          } catch (IOException e) {
            // unreadable: treated as absent
          }
        }
      }
    }
    String outcome = "grpc " + status.getCode() + (retryInfo != null ? " +RetryInfo" : "");
    switch (status.getCode()) {
      case CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS ->
          retry(r, outcome, retryInfo);
      // As the Collector's OTLP exporter: retried only when the server says it can recover.
      case RESOURCE_EXHAUSTED -> {
        if (retryInfo != null) {
          retry(r, outcome, retryInfo);
        } else {
          drop(r, outcome);
        }
      }
      default -> drop(r, outcome);
    }
  }

  private void acknowledged(Retry r, String outcome) {
    count(outcome);
    long now = System.nanoTime();
    lastAck = now;
    if (mark != 0 && firstAckAfterMark == 0 && now > mark) {
      firstAckAfterMark = now;
    }
    acknowledged.add(r.n());
    pending.decrementAndGet();
  }

  private void retry(Retry r, String outcome, Duration serverDelay) {
    count(outcome);
    retried.increment();
    long delay;
    if (serverDelay != null && !serverDelay.isZero()) {
      delay = serverDelay.toNanos();
    } else {
      long backoff =
          Math.min(MAX_BACKOFF.toNanos(), TimeUnit.SECONDS.toNanos(1) << Math.min(r.attempt(), 5));
      delay = (long) (backoff * (0.5 + ThreadLocalRandom.current().nextDouble()));
    }
    retries.add(new Retry(r.n(), r.attempt() + 1, System.nanoTime() + delay));
  }

  private void drop(Retry r, String outcome) {
    count(outcome);
    dropped.increment();
    pending.decrementAndGet();
  }

  private void count(String outcome) {
    outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** From now on, {@link #firstAcknowledgedAfterMark} tells when the next acknowledgement came. */
  void mark() {
    firstAckAfterMark = 0;
    mark = System.nanoTime();
  }

  /** When the first request after {@link #mark} was acknowledged (nanoTime), 0 if none yet. */
  long firstAcknowledgedAfterMark() {
    return firstAckAfterMark;
  }

  long lastAcknowledged() {
    return lastAck;
  }

  Set<Long> acknowledged() {
    return acknowledged;
  }

  /** The number the next new request will have. */
  long nextRequest() {
    return next.get();
  }

  long offeredRequests() {
    return offered.get();
  }

  long retriedRefusals() {
    return retried.sum();
  }

  long droppedRequests() {
    return dropped.sum();
  }

  long droppedAtSource() {
    return sourceDropped.sum();
  }

  int maxInFlight() {
    return maxInFlight;
  }

  /** How many times each outcome happened ("http 503", "grpc UNAVAILABLE +RetryInfo", ...). */
  Map<String, Long> outcomes() {
    Map<String, Long> out = new TreeMap<>();
    outcomes.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  @Override
  public void close() {
    grpc.shutdownNow();
    httpExecutor.shutdownNow();
  }
}
