package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.costtrace.e2e.ReceiverFixture;
import dev.costtrace.receiver.otlp.RawExport;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input over OTLP/HTTP and OTLP/gRPC into the whole receiver on real ClickHouse: each gets its
 * OTLP status, the receiver stays healthy, and no valid span — in the same request where OTLP
 * partial success allows it, in the next request otherwise — is lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpBadInputTest {
  private static final long MAX_REQUEST_BYTES = 2L << 20;
  private static final AtomicLong IDS = new AtomicLong(System.nanoTime());

  private ReceiverFixture env;
  private ManagedChannel channel;
  private TraceServiceGrpc.TraceServiceBlockingStub grpc;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start(@TempDir Path dir) {
    env = new ReceiverFixture(dir.resolve("buffer"), b -> b.maxRequestBytes(MAX_REQUEST_BYTES));
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", env.receiver.grpcPort())
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    grpc = TraceServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    env.close();
  }

  // ---- request building ----

  private static String newTraceId() {
    return String.format("%016x%016x", IDS.incrementAndGet(), 0xc0ffeeL);
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static KeyValue kv(String key, String value) {
    return kv(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  private static KeyValue kv(String key, long value) {
    return kv(key, AnyValue.newBuilder().setIntValue(value).build());
  }

  /** A priced LLM span: gpt-4o, 1000 input and 100 output tokens. */
  private static Span.Builder llm(ByteString traceId, long spanNumber) {
    return Span.newBuilder()
        .setTraceId(traceId)
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", spanNumber))))
        .setName("chat gpt-4o")
        .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
        .setStartTimeUnixNano(1_767_225_600_000_000_000L)
        .setEndTimeUnixNano(1_767_225_601_000_000_000L)
        .addAttributes(kv("gen_ai.provider.name", "openai"))
        .addAttributes(kv("gen_ai.operation.name", "chat"))
        .addAttributes(kv("gen_ai.request.model", "gpt-4o"))
        .addAttributes(kv("gen_ai.usage.input_tokens", 1000))
        .addAttributes(kv("gen_ai.usage.output_tokens", 100));
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder().addAttributes(kv("service.name", "bad-input-test")))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  // ---- transports ----

  private HttpResponse<byte[]> post(String type, byte[] body, String encoding) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(env.httpUrl() + "/v1/traces"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (type != null) {
      b.header("Content-Type", type);
    }
    if (encoding != null) {
      b.header("Content-Encoding", encoding);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] gzip(byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(body);
    }
    return out.toByteArray();
  }

  /**
   * Asserts an HTTP error answer: the code and a google.rpc.Status body in the request's encoding.
   */
  private static void assertRpcStatus(
      HttpResponse<byte[]> r, int httpCode, int rpcCode, String messagePart) throws Exception {
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(httpCode);
    String type = r.headers().firstValue("Content-Type").orElse("");
    com.google.rpc.Status status;
    if (type.equals("application/json")) {
      com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder();
      com.google.protobuf.util.JsonFormat.parser()
          .merge(new String(r.body(), StandardCharsets.UTF_8), b);
      status = b.build();
    } else {
      status = com.google.rpc.Status.parseFrom(r.body());
    }
    assertThat(status.getCode()).isEqualTo(rpcCode);
    assertThat(status.getMessage()).contains(messagePart);
  }

  private static Status.Code grpcFailure(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("the call succeeded");
  }

  private byte[] rawGrpc(byte[] request) {
    return ClientCalls.blockingUnaryCall(
        channel,
        RawExport.METHOD,
        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
        request);
  }

  /** A valid neighbour request after the bad one, over both transports: stored in full. */
  private void assertNeighboursStillStored() throws Exception {
    String httpTrace = newTraceId();
    HttpResponse<byte[]> r =
        post(
            "application/x-protobuf",
            request(llm(bytes(httpTrace), 1).build(), llm(bytes(httpTrace), 2).build())
                .toByteArray(),
            null);
    assertThat(r.statusCode()).isEqualTo(200);
    String grpcTrace = newTraceId();
    grpc.export(request(llm(bytes(grpcTrace), 1).build()));
    assertThat(env.spans(httpTrace)).isEqualTo(2);
    assertThat(env.spans(grpcTrace)).isEqualTo(1);
  }

  // ---- the cases ----

  @Test
  void truncatedProtobufIs400AndInvalidArgument() throws Exception {
    String trace = newTraceId();
    byte[] whole =
        request(llm(bytes(trace), 1).build(), llm(bytes(trace), 2).build()).toByteArray();
    byte[] truncated = Arrays.copyOf(whole, whole.length - 7);
    assertRpcStatus(
        post("application/x-protobuf", truncated, null),
        400,
        3,
        "malformed ExportTraceServiceRequest");
    assertThat(grpcFailure(() -> rawGrpc(truncated))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(env.spans(trace)).isZero();
    assertNeighboursStillStored();
  }

  @Test
  void wrongOrMissingContentTypeIs415() throws Exception {
    byte[] body = request(llm(bytes(newTraceId()), 1).build()).toByteArray();
    assertThat(post("text/plain", body, null).statusCode()).isEqualTo(415);
    assertThat(post("application/grpc", body, null).statusCode()).isEqualTo(415);
    assertThat(post(null, body, null).statusCode()).isEqualTo(415);
    assertNeighboursStillStored();
  }

  @Test
  void oversizedIs413OverHttpAndResourceExhaustedOverGrpc() throws Exception {
    String trace = newTraceId();
    ExportTraceServiceRequest big =
        request(
            llm(bytes(trace), 1)
                .addAttributes(kv("filler", "x".repeat((int) MAX_REQUEST_BYTES + 1)))
                .build());
    assertRpcStatus(post("application/x-protobuf", big.toByteArray(), null), 413, 3, "exceeds");
    assertThat(grpcFailure(() -> grpc.export(big))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(env.spans(trace)).isZero();
    assertNeighboursStillStored();
  }

  @Test
  void invalidIdsInProtobufAreRejectedOneByOneOverBothTransports() throws Exception {
    for (String transport : List.of("http", "grpc")) {
      String trace = newTraceId();
      ExportTraceServiceRequest req =
          request(
              llm(bytes(trace), 1).build(),
              llm(bytes(trace).substring(1), 2).build(), // 15 bytes
              llm(ByteString.copyFrom(new byte[16]), 3).build(), // all-zero trace ID
              llm(bytes(trace), 4)
                  .setSpanId(ByteString.copyFrom(new byte[8]))
                  .build(), // all-zero span ID
              llm(bytes(trace), 5).setSpanId(bytes("010203040506070809")).build(), // 9 bytes
              llm(bytes(trace), 6).setParentSpanId(bytes("0102")).build(), // short parent
              llm(bytes(trace), 7).build());
      ExportTraceServiceResponse response;
      if (transport.equals("http")) {
        HttpResponse<byte[]> r = post("application/x-protobuf", req.toByteArray(), null);
        assertThat(r.statusCode()).isEqualTo(200);
        response = ExportTraceServiceResponse.parseFrom(r.body());
      } else {
        response = grpc.export(req);
      }
      assertThat(response.getPartialSuccess().getRejectedSpans()).as(transport).isEqualTo(5);
      assertThat(response.getPartialSuccess().getErrorMessage())
          .contains("trace_id must be 16 bytes");
      assertThat(env.spans(trace)).as(transport).isEqualTo(2);
    }
  }

  private static String jsonSpan(String traceId, String spanId) {
    return "{\"traceId\":\""
        + traceId
        + "\",\"spanId\":\""
        + spanId
        + "\",\"name\":\"chat gpt-4o\",\"kind\":3,"
        + "\"startTimeUnixNano\":\"1767225600000000000\",\"endTimeUnixNano\":\"1767225601000000000\","
        + "\"attributes\":[{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},"
        + "{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
        + "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}},"
        + "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"1000\"}},"
        + "{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":\"100\"}}]}";
  }

  private static String jsonRequest(String... spans) {
    return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":"
        + "{\"stringValue\":\"bad-input-test\"}}]},\"scopeSpans\":[{\"spans\":["
        + String.join(",", spans)
        + "]}]}]}";
  }

  @Test
  void allZeroHexIdsInJsonAreRejectedOneByOne() throws Exception {
    String trace = newTraceId();
    String json =
        jsonRequest(
            jsonSpan(trace, "0000000000000001"),
            jsonSpan("00000000000000000000000000000000", "0000000000000002"),
            jsonSpan(trace, "0000000000000000"),
            jsonSpan(trace, "0000000000000004"));
    HttpResponse<byte[]> r = post("application/json", json.getBytes(StandardCharsets.UTF_8), null);
    assertThat(r.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
    com.google.protobuf.util.JsonFormat.parser()
        .merge(new String(r.body(), StandardCharsets.UTF_8), response);
    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(2);
    assertThat(env.spans(trace)).isEqualTo(2);
  }

  @Test
  void malformedHexIdsInJsonAre400NamingTheField() throws Exception {
    String trace = newTraceId();
    String shortTrace =
        jsonRequest(
            jsonSpan(trace, "0000000000000001"), jsonSpan(trace.substring(4), "0000000000000002"));
    assertRpcStatus(
        post("application/json", shortTrace.getBytes(StandardCharsets.UTF_8), null),
        400,
        3,
        "resourceSpans[0].scopeSpans[0].spans[1].traceId");
    String longSpan = jsonRequest(jsonSpan(trace, "000000000000000001"));
    assertRpcStatus(
        post("application/json", longSpan.getBytes(StandardCharsets.UTF_8), null),
        400,
        3,
        "resourceSpans[0].scopeSpans[0].spans[0].spanId");
    String notHex = jsonRequest(jsonSpan("zz" + trace.substring(2), "0000000000000001"));
    assertRpcStatus(
        post("application/json", notHex.getBytes(StandardCharsets.UTF_8), null),
        400,
        3,
        "is not hex");
    assertThat(env.spans(trace)).isZero();
    assertNeighboursStillStored();
  }

  @Test
  void oneMegabyteAttributeValueIsStoredOverBothTransports() throws Exception {
    String big = "p".repeat(1 << 20);
    String httpTrace = newTraceId();
    ExportTraceServiceRequest viaHttp =
        request(
            llm(bytes(httpTrace), 1).addAttributes(kv("gen_ai.prompt", big)).build(),
            llm(bytes(httpTrace), 2).build());
    HttpResponse<byte[]> r = post("application/x-protobuf", gzip(viaHttp.toByteArray()), "gzip");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(ExportTraceServiceResponse.parseFrom(r.body()).hasPartialSuccess()).isFalse();
    String grpcTrace = newTraceId();
    grpc.export(request(llm(bytes(grpcTrace), 1).addAttributes(kv("gen_ai.prompt", big)).build()));
    assertThat(env.spans(httpTrace)).isEqualTo(2);
    assertThat(env.spans(grpcTrace)).isEqualTo(1);
  }

  /** A length-delimited protobuf field: tag, length, payload. */
  private static ByteString field(int number, ByteString payload) {
    ByteString.Output out = ByteString.newOutput();
    try {
      com.google.protobuf.CodedOutputStream c =
          com.google.protobuf.CodedOutputStream.newInstance(out);
      c.writeUInt32NoTag(number << 3 | 2);
      c.writeUInt32NoTag(payload.size());
      c.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteString().concat(payload);
  }

  /**
   * A request whose span has an attribute with kvlist and array values nested {@code depth} deep,
   * far past protobuf's recursion limit of 100. Encoded field by field: protobuf-java itself would
   * overflow the stack serialising it.
   */
  private static byte[] deeplyNested(Span span, int depth) {
    ByteString anyValue = AnyValue.newBuilder().setStringValue("bottom").build().toByteString();
    for (int i = 0; i < depth; i++) {
      anyValue =
          i % 2 == 0
              ? field(
                  6,
                  field(
                      1,
                      kv("k", "").toByteString().concat(field(2, anyValue)))) // kvlist_value.values
              : field(5, field(1, anyValue)); // array_value.values
    }
    ByteString attribute = field(1, ByteString.copyFromUtf8("deep")).concat(field(2, anyValue));
    ByteString spanBytes = span.toByteString().concat(field(9, attribute)); // Span.attributes
    return field(1, field(2, field(2, spanBytes)))
        .toByteArray(); // resource_spans.scope_spans.spans
  }

  private static String nestedJson(int depth) {
    StringBuilder open = new StringBuilder();
    StringBuilder close = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      open.append("{\"arrayValue\":{\"values\":[");
      close.append("]}}");
    }
    return open + "{\"stringValue\":\"bottom\"}" + close;
  }

  @Test
  void deeplyNestedAnyValueIsACleanInvalidArgument() throws Exception {
    String trace = newTraceId();
    byte[] deep = deeplyNested(llm(bytes(trace), 1).build(), 5_000);
    byte[] shallow = deeplyNested(llm(bytes(trace), 2).build(), 3);
    assertThat(
            ExportTraceServiceRequest.parseFrom(shallow)
                .getResourceSpans(0)
                .getScopeSpans(0)
                .getSpans(0)
                .getAttributesList())
        .extracting(KeyValue::getKey)
        .endsWith("deep"); // the encoding is right
    assertRpcStatus(post("application/x-protobuf", deep, null), 400, 3, "nesting");
    assertThat(grpcFailure(() -> rawGrpc(deep))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    String span = jsonSpan(trace, "0000000000000001");
    String deepJson =
        jsonRequest(
            span.substring(0, span.length() - 2)
                + "},{\"key\":\"deep\",\"value\":"
                + nestedJson(5_000)
                + "}]}");
    assertRpcStatus(
        post("application/json", deepJson.getBytes(StandardCharsets.UTF_8), null),
        400,
        3,
        "malformed ExportTraceServiceRequest");
    assertThat(env.spans(trace)).isZero();
    assertNeighboursStillStored();
  }

  @Test
  void invalidUtf8Is400AndInvalidArgument() throws Exception {
    String trace = newTraceId();
    byte[] marker = "MODEL".getBytes(StandardCharsets.UTF_8);
    byte[] body = request(llm(bytes(trace), 1).setName("MODEL").build()).toByteArray();
    int at = indexOf(body, marker);
    body[at] = (byte) 0xC3; // a lead byte followed by ASCII: not UTF-8
    body[at + 1] = (byte) 0x28;
    byte[] protobuf = body;
    assertRpcStatus(post("application/x-protobuf", protobuf, null), 400, 3, "UTF-8");
    assertThat(grpcFailure(() -> rawGrpc(protobuf))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    byte[] json =
        jsonRequest(jsonSpan(trace, "0000000000000001"))
            .replace("chat gpt-4o", "MODEL")
            .getBytes(StandardCharsets.UTF_8);
    int j = indexOf(json, marker);
    json[j] = (byte) 0xFF;
    assertRpcStatus(post("application/json", json, null), 400, 3, "UTF-8");
    assertThat(env.spans(trace)).isZero();
    assertNeighboursStillStored();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (haystack[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("marker not found");
  }

  @Test
  void corruptGzipIs400() throws Exception {
    String trace = newTraceId();
    byte[] gz = gzip(request(llm(bytes(trace), 1).build()).toByteArray());
    byte[] corrupt = gz.clone();
    for (int i = 10; i < corrupt.length - 8; i++) {
      corrupt[i] ^= 0x5A;
    }
    assertRpcStatus(
        post("application/x-protobuf", corrupt, "gzip"), 400, 3, "cannot read the request body");
    assertRpcStatus(
        post("application/x-protobuf", Arrays.copyOf(gz, gz.length / 2), "gzip"),
        400,
        3,
        "cannot read the request body");
    assertRpcStatus(
        post("application/json", "not gzip at all".getBytes(StandardCharsets.UTF_8), "gzip"),
        400,
        3,
        "cannot read the request body");
    assertThat(env.spans(trace)).isZero();
    assertNeighboursStillStored();
  }

  @Test
  void emptyRequestsSucceed() throws Exception {
    HttpResponse<byte[]> protobuf = post("application/x-protobuf", new byte[0], null);
    assertThat(protobuf.statusCode()).isEqualTo(200);
    assertThat(ExportTraceServiceResponse.parseFrom(protobuf.body()).hasPartialSuccess()).isFalse();
    assertThat(post("application/x-protobuf", gzip(new byte[0]), "gzip").statusCode())
        .isEqualTo(200);
    assertThat(post("application/json", "{}".getBytes(StandardCharsets.UTF_8), null).statusCode())
        .isEqualTo(200);
    assertThat(post("application/json", new byte[0], null).statusCode()).isEqualTo(200);
    assertThat(grpc.export(ExportTraceServiceRequest.getDefaultInstance()).hasPartialSuccess())
        .isFalse();
    assertThat(rawGrpc(new byte[0])).isEmpty();
    // Resource and scope without spans are empty too.
    assertThat(
            grpc.export(
                    ExportTraceServiceRequest.newBuilder()
                        .addResourceSpans(
                            ResourceSpans.newBuilder()
                                .addScopeSpans(ScopeSpans.getDefaultInstance()))
                        .build())
                .hasPartialSuccess())
        .isFalse();
    assertNeighboursStillStored();
  }

  @Test
  void spanEndingBeforeItStartsIsRejectedAlone() {
    String trace = newTraceId();
    ExportTraceServiceResponse response =
        grpc.export(
            request(
                llm(bytes(trace), 1).build(), llm(bytes(trace), 2).setEndTimeUnixNano(5).build()));
    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(response.getPartialSuccess().getErrorMessage()).contains("ends before it starts");
    assertThat(env.spans(trace)).isEqualTo(1);
  }

  /**
   * Spans whose times cannot be right are rejected one by one, each reason counted in the message;
   * their valid neighbours are stored (a start far off would be a day partition of its own).
   */
  @Test
  void spansWithImpossibleTimesAreRejectedAloneNamingTheReason() throws Exception {
    String trace = newTraceId();
    long now = System.currentTimeMillis() * 1_000_000L;
    long day = 86_400_000_000_000L;
    ExportTraceServiceRequest request =
        request(
            llm(bytes(trace), 1)
                .setStartTimeUnixNano(now - 1_000_000_000L)
                .setEndTimeUnixNano(now)
                .build(),
            llm(bytes(trace), 2).setStartTimeUnixNano(0).setEndTimeUnixNano(now).build(),
            llm(bytes(trace), 3).clearStartTimeUnixNano().clearEndTimeUnixNano().build(),
            llm(bytes(trace), 4)
                .setStartTimeUnixNano(946_684_799_000_000_000L)
                .build(), // 1999-12-31T23:59:59Z
            llm(bytes(trace), 5)
                .setStartTimeUnixNano(now + 2 * day)
                .setEndTimeUnixNano(now + 2 * day + 1)
                .build(),
            llm(bytes(trace), 6)
                .setStartTimeUnixNano(-1L)
                .setEndTimeUnixNano(-1L)
                .build(), // 2^64 - 1, unsigned
            llm(bytes(trace), 7).setStartTimeUnixNano(now).setEndTimeUnixNano(now - 1).build(),
            llm(bytes(trace), 8)
                .setStartTimeUnixNano(now)
                .setEndTimeUnixNano(now + 3 * day)
                .build(),
            llm(bytes(trace), 9)
                .setStartTimeUnixNano(now + day / 2)
                .setEndTimeUnixNano(now + day / 2 + 1)
                .build());
    ExportTraceServiceResponse response = grpc.export(request);
    assertThat(response.getPartialSuccess().getRejectedSpans()).isEqualTo(7);
    assertThat(response.getPartialSuccess().getErrorMessage())
        .isEqualTo(
            "7 span(s) rejected (2 start time absent, "
                + "1 start time before 2000, 2 start time in the future, 1 ends before it starts, 1 end time in the future);"
                + " first: span 'chat gpt-4o': start_time_unix_nano is 0 (absent)");
    assertThat(env.spans(trace)).as("the valid span, and one within the allowed skew").isEqualTo(2);

    String httpTrace = newTraceId();
    HttpResponse<byte[]> http =
        post(
            "application/x-protobuf",
            request(
                    llm(bytes(httpTrace), 1)
                        .setStartTimeUnixNano(now)
                        .setEndTimeUnixNano(now + 1)
                        .build(),
                    llm(bytes(httpTrace), 2).setStartTimeUnixNano(now + 2 * day).build())
                .toByteArray(),
            null);
    assertThat(http.statusCode()).isEqualTo(200);
    ExportTraceServiceResponse partial = ExportTraceServiceResponse.parseFrom(http.body());
    assertThat(partial.getPartialSuccess().getRejectedSpans()).isEqualTo(1);
    assertThat(partial.getPartialSuccess().getErrorMessage())
        .contains("start time in the future")
        .contains("ahead of the receiver's clock");
    assertThat(env.spans(httpTrace)).isEqualTo(1);
  }
}
