package dev.costtrace.bench.receiver;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SinkMetrics;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * What the sink's writer costs ClickHouse for the end-to-end workload's rows, without a receiver or
 * a load generator: every call accepted at once (a backlog), then flushed, into a fresh database of
 * the embedded engine each round; per round the engine process's CPU time, the writer's insert and
 * recomputation time, and the time to drain. For comparing two builds of the sink in one sitting:
 * run this class with each build's jar in turn, alternating.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.receiver.WriterCost
 * [rounds]} (default 3).
 */
public final class WriterCost {
  private WriterCost() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    PricedCalls calls = PricedCalls.of(Workload.payloads(300, 2));
    Path tmp = Files.createTempDirectory("costtrace-writer-cost");
    try (ClickHouseEndpoint endpoint = ReceiverBenchmark.clickHouse(tmp);
        Client client = endpoint.newClient("default")) {
      for (int round = 0; round < rounds; round++) {
        Round r =
            write(endpoint, client, "bench_writer_cost", calls, tmp.resolve("buffer-" + round));
        System.out.printf(
            Locale.ROOT,
            "round %d: %d span rows in %d batches; engine CPU %d ms; writer inserts %d ms,"
                + " recomputation %d ms; drained in %.2f s%n",
            round,
            calls.spanRows(),
            r.metrics().batches(),
            r.engineCpuMillis(),
            r.metrics().insertMillis(),
            r.metrics().recomputeMillis(),
            r.seconds());
      }
    }
  }

  /** One write: the engine's CPU time, the wall time to drain, the sink's metrics. */
  record Round(long engineCpuMillis, double seconds, SinkMetrics metrics) {}

  /** The sink's writer into a fresh {@code db}: every call accepted at once, then flushed. */
  static Round write(
      ClickHouseEndpoint endpoint, Client client, String db, PricedCalls calls, Path buffer)
      throws Exception {
    client.execute("DROP DATABASE IF EXISTS " + db + " SYNC").get().close();
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
    ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(endpoint.newClient("default"), true)
            .database(db)
            .bufferDir(buffer)
            .batchSize(EndToEnd.SINK_BATCH_ROWS)
            .build();
    long cpu0 = HostCpu.clickHouseCpuNanos();
    long start = System.nanoTime();
    calls.acceptInto(sink);
    if (!sink.flush(Duration.ofMinutes(10))) {
      throw new IllegalStateException("the sink did not drain into ClickHouse");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpuMillis = (HostCpu.clickHouseCpuNanos() - cpu0) / 1_000_000;
    SinkMetrics metrics = sink.metrics();
    sink.close();
    return new Round(cpuMillis, seconds, metrics);
  }
}
