package dev.costtrace.receiver.ingest;

import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.metrics.RequestMetrics;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * gRPC side of bearer auth: UNAUTHENTICATED without a known token, PERMISSION_DENIED for an admin
 * token (it reads the cost API only), else the token's tenant in the call's context.
 */
final class BearerAuthInterceptor implements ServerInterceptor {
  static final Context.Key<String> TENANT = Context.key("costtrace-tenant");
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final BearerTokens tokens;
  private final RequestMetrics metrics;

  BearerAuthInterceptor(BearerTokens tokens, RequestMetrics metrics) {
    this.tokens = tokens;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    BearerTokens.Caller caller = tokens.callerFor(headers.get(AUTHORIZATION));
    if (caller == null || caller.admin()) {
      Status status =
          caller == null
              ? Status.UNAUTHENTICATED.withDescription(OtlpReceiver.UNAUTHENTICATED_MESSAGE)
              : Status.PERMISSION_DENIED.withDescription(OtlpReceiver.ADMIN_EXPORT_MESSAGE);
      metrics.refused("grpc", status.getCode().name());
      call.close(status, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(
        Context.current().withValue(TENANT, caller.tenant()), call, headers, next);
  }
}
