package dev.costtrace.sink;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The writer's recent-span window ({@link RecentSpans}, in the sink's package to reach it) at its
 * default size, 1,048,576 spans a generation, one and a half generations full: forgetting a failed
 * batch (what every retry after a failure costs) beside admitting the same batch (what writing it
 * costs anyway). Removal used to rebuild a 16 MiB table per key; now it shifts back one probe run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecentSpansBenchmark {
  /** The window at its default size, one and a half generations full, and a batch's keys. */
  @State(Scope.Thread)
  public static class Window {
    @Param({"5000"})
    public int batch;

    RecentSpans recent;
    String[] traces;
    String[] spans;

    @Setup(Level.Trial)
    public void fill() {
      int capacity = ClickHouseSink.Builder.DEFAULT_RECENT_SPANS;
      recent = new RecentSpans(capacity);
      for (int i = 0; i < capacity + capacity / 2; i++) {
        recent.add("acme", "trace-" + (i >>> 3), Integer.toHexString(i));
      }
      traces = new String[batch];
      spans = new String[batch];
      for (int i = 0; i < batch; i++) {
        traces[i] = "batch-" + (i >>> 3);
        spans[i] = Integer.toHexString(i);
      }
    }

    void admit(Blackhole bh) {
      for (int i = 0; i < batch; i++) {
        bh.consume(recent.add("acme", traces[i], spans[i]));
      }
    }

    void forget() {
      for (int i = 0; i < batch; i++) {
        recent.remove("acme", traces[i], spans[i]);
      }
    }
  }

  /** The batch was written: it is in the window. */
  @State(Scope.Thread)
  public static class Admitted {
    @Setup(Level.Invocation)
    public void admit(Window w, Blackhole bh) {
      w.admit(bh);
    }
  }

  /** The batch failed and was forgotten: it is not in the window. */
  @State(Scope.Thread)
  public static class Forgotten {
    @Setup(Level.Invocation)
    public void forget(Window w) {
      w.forget();
    }
  }

  /** A failed batch forgotten, so that its retry writes it again. */
  @Benchmark
  public void forgetBatch(Window w, Admitted batchIsIn) {
    w.forget();
  }

  /** The same batch admitted: what deduplicating it costs when it is written. */
  @Benchmark
  public void admitBatch(Window w, Forgotten batchIsOut, Blackhole bh) {
    w.admit(bh);
  }
}
