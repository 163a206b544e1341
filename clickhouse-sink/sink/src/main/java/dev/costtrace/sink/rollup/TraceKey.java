package dev.costtrace.sink.rollup;

import java.util.Objects;

/**
 * A trace as the rollups key it: the tenant key (the bearer token's tenant; empty with auth off)
 * and the trace ID.
 */
public record TraceKey(String authTenant, String traceId) implements Comparable<TraceKey> {
  public TraceKey {
    Objects.requireNonNull(authTenant, "authTenant");
    Objects.requireNonNull(traceId, "traceId");
  }

  @Override
  public int compareTo(TraceKey o) {
    int c = authTenant.compareTo(o.authTenant);
    return c != 0 ? c : traceId.compareTo(o.traceId);
  }
}
