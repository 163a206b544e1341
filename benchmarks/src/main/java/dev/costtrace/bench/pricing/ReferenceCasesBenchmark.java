package dev.costtrace.bench.pricing;

import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.oracle.OracleCases;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Our normalise + price per span over the oracle test's cases: every model of the reference in
 * every spelling it lists, in every token mix and at every date the test uses, round-robin. The
 * reference's {@code calcPrice} is timed on the same cases by {@link PricingComparison}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 15, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(1)
public class ReferenceCasesBenchmark {
  private SpanPricer pricer;
  private Span[] spans;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    pricer = SpanPricer.builder().build();
    spans = OracleCases.all().stream().map(OracleCases.OracleCase::span).toArray(Span[]::new);
  }

  /** Normalise and price the next case's span. */
  @Benchmark
  public PricedSpan normaliseAndPrice() {
    Span s = spans[next];
    next = next + 1 == spans.length ? 0 : next + 1;
    return pricer.price(s, List.of());
  }
}
