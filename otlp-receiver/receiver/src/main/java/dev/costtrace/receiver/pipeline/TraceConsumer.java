package dev.costtrace.receiver.pipeline;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * What the OTLP transports (gRPC and HTTP) hand every decoded export request to.
 *
 * <p>When {@link #consume} returns, every span it did not reject is durable (acknowledged).
 */
public interface TraceConsumer {

  /**
   * Takes one export request.
   *
   * @param tenantFromAuth the tenant an authenticated bearer token maps to, or null when auth is
   *     off; when set, span attributes cannot override it
   * @return the OTLP partial-success outcome (zero rejected when all were taken)
   * @throws BackPressureException when nothing of the request was taken and the client should retry
   *     later
   */
  ExportOutcome consume(ExportTraceServiceRequest request, String tenantFromAuth)
      throws BackPressureException;
}
