/**
 * The OTLP transports: gRPC {@code TraceService/Export} (grpc-java) and HTTP {@code POST
 * /v1/traces} with protobuf or JSON bodies (the JDK's HTTP server), both handing decoded requests
 * to a {@link dev.costtrace.receiver.pipeline.TraceConsumer}.
 */
package dev.costtrace.receiver.ingest;
