package dev.costtrace.receiver.metrics;

import dev.costtrace.sink.infra.InfraAllocator;
import java.util.function.Supplier;

/** The infrastructure cost allocator's progress as Prometheus samples. */
public final class InfraAllocatorMetricsSource implements MetricsSource {
  private final Supplier<InfraAllocator.Status> status;

  public InfraAllocatorMetricsSource(Supplier<InfraAllocator.Status> status) {
    this.status = status;
  }

  @Override
  public void writeTo(PrometheusText out) {
    InfraAllocator.Status s = status.get();
    out.counter(
            "costtrace_infra_allocation_runs_total",
            "Runs of the infrastructure cost allocator completed.",
            s.runs())
        .counter(
            "costtrace_infra_allocation_failures_total",
            "Runs of the infrastructure cost allocator that could not complete.",
            s.failures())
        .counter(
            "costtrace_infra_hours_allocated_total",
            "Hours of infrastructure rules allocated (again, when late spans or a rule change).",
            s.hoursAllocated())
        .counter(
            "costtrace_infra_traces_recomputed_total",
            "Trace rollups recomputed because their infrastructure allocation changed.",
            s.tracesRecomputed())
        .gauge(
            "costtrace_infra_allocator_leading",
            "1 while this receiver's allocator leads; 0 while it follows another receiver's.",
            s.leading() ? 1 : 0)
        .gauge(
            "costtrace_infra_allocation_seconds",
            "How long the last allocation run took.",
            s.lastMillis() / 1000.0);
  }
}
