package dev.costtrace.bench.receiver;

import com.sun.management.OperatingSystemMXBean;
import dev.costtrace.receiver.otlp.RawExport;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator, in a JVM of its own ({@link LoadChild} starts it): pre-encoded requests sent
 * over OTLP/gRPC or OTLP/HTTP from named client threads. Arguments: mode, transport, port, warm-up
 * seconds, seconds, client threads, requests, then the mode's own (see {@link #main}).
 */
public final class LoadProcess {
  /** Prefix of the load generator's threads. */
  static final String CLIENT_THREAD = "bench-client";

  private LoadProcess() {}

  /**
   * Modes: {@code loop}: sends the loop payloads for a warm-up, says GO, sends for the measured
   * seconds and says DONE with its request count and its own CPU time; {@code all}: warms up on the
   * receiver at the eighth argument's port, says GO, sends each end-to-end payload once, says DONE
   * likewise; {@code paced}: as {@code all} without the warm-up, at the eighth argument's spans/s.
   */
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String transport = args[1];
    int port = Integer.parseInt(args[2]);
    int warmUp = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    int clients = Integer.parseInt(args[5]);
    int requests = Integer.parseInt(args[6]);
    List<byte[]> payloads =
        mode.equals("loop") ? Workload.payloads(100, 1) : Workload.payloads(requests, 2);
    // paced: each payload once, at the rate (spans/s) of the eighth argument.
    long nanosPerRequest =
        mode.equals("paced")
            ? Math.round(1e9 * Workload.SPANS_PER_REQUEST / Double.parseDouble(args[7]))
            : 0;
    Load load = transport.equals("grpc") ? new GrpcLoad(port) : new HttpLoad(port);
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Load warm = null;
    if (mode.equals("loop")) {
      send(load, payloads, clients, System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUp), false, 0);
    } else if (mode.equals("all") && args.length > 7) {
      // End to end: warm this client up on another (discarding) receiver, not into ClickHouse.
      // It stays open, idle, until the end: closing a channel and its event loop makes the JIT
      // throw away the client's compiled code (measured: ~0.6 s of C2 in the window), and the
      // measured channel is connected before GO with empty exports (no spans, no rows).
      warm = new GrpcLoad(Integer.parseInt(args[7]));
      send(
          warm,
          Workload.payloads(100, 1),
          clients,
          System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUp),
          false,
          0);
      for (int i = 0; i < 10; i++) {
        load.send(new byte[0]);
      }
    }
    long cpu0 = os.getProcessCpuTime();
    System.out.println("GO");
    System.out.flush();
    long sent =
        mode.equals("loop")
            ? send(
                load,
                payloads,
                clients,
                System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds),
                false,
                0)
            : send(load, payloads, clients, Long.MAX_VALUE, true, nanosPerRequest);
    System.out.println("DONE " + sent + " " + (os.getProcessCpuTime() - cpu0));
    System.out.flush();
    load.close();
    if (warm != null) {
      warm.close();
    }
  }

  /**
   * Sends from {@code clients} threads until the deadline ({@code once}: each payload once); with
   * {@code nanosPerRequest}, request i not before {@code i × nanosPerRequest} after the start.
   */
  private static long send(
      Load load,
      List<byte[]> payloads,
      int clients,
      long deadline,
      boolean once,
      long nanosPerRequest)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicLong sent = new AtomicLong();
    Thread[] threads = new Thread[clients];
    long start = System.nanoTime();
    for (int t = 0; t < clients; t++) {
      threads[t] =
          new Thread(
              () -> {
                while (System.nanoTime() < deadline) {
                  int i = next.getAndIncrement();
                  if (once && i >= payloads.size()) {
                    return;
                  }
                  long due = start + i * nanosPerRequest;
                  while (System.nanoTime() < due) {
                    LockSupport.parkNanos(due - System.nanoTime());
                  }
                  load.send(payloads.get(i % payloads.size()));
                  sent.incrementAndGet();
                }
              },
              CLIENT_THREAD + "-worker-" + t);
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return sent.get();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-worker-" + n.incrementAndGet());
      t.setDaemon(true); // the process ends when main returns
      return t;
    };
  }

  private interface Load extends AutoCloseable {
    void send(byte[] request);

    @Override
    void close();
  }

  private static final class GrpcLoad implements Load {
    private final EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, named(CLIENT_THREAD + "-grpc-elg"), NioIoHandler.newFactory());
    private final ExecutorService executor =
        Executors.newFixedThreadPool(2, named(CLIENT_THREAD + "-grpc"));
    private final ManagedChannel channel;

    GrpcLoad(int port) {
      channel =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .usePlaintext()
              .eventLoopGroup(group)
              .channelType(NioSocketChannel.class)
              .executor(executor)
              .maxInboundMessageSize(16 << 20)
              .build();
    }

    @Override
    public void send(byte[] request) {
      ClientCalls.blockingUnaryCall(
          channel,
          RawExport.METHOD,
          CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
          request);
    }

    @Override
    public void close() {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      executor.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static final class HttpLoad implements Load {
    private final ExecutorService executor =
        Executors.newFixedThreadPool(2, named(CLIENT_THREAD + "-http"));
    private final HttpClient client = HttpClient.newBuilder().executor(executor).build();
    private final URI uri;

    HttpLoad(int port) {
      uri = URI.create("http://127.0.0.1:" + port + "/v1/traces");
    }

    @Override
    public void send(byte[] request) {
      try {
        HttpResponse<byte[]> r =
            client.send(
                HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("HTTP " + r.statusCode());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }
}
