package dev.costtrace.bench.receiver;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The benchmark's pre-encoded OTLP requests: the demo workload's span shapes, deterministic per
 * seed.
 */
final class Workload {
  static final int SPANS_PER_REQUEST = 300;

  private static final String[][] MODELS = {
    {"openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18"},
    {"openai", "gpt-4o", "gpt-4o-2024-08-06"},
    {"openai", "o4-mini", "o4-mini-2025-04-16"},
    {"anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
    {"anthropic", "claude-haiku-4-5", "claude-haiku-4-5-20251001"},
    {"gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash"},
    {
      "aws.bedrock",
      "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
    },
  };

  private Workload() {}

  /** The request's LLM and tool spans: the ones the pipeline prices (not the root server spans). */
  static long priced(byte[] request) throws Exception {
    long n = 0;
    for (Span s :
        ExportTraceServiceRequest.parseFrom(request)
            .getResourceSpans(0)
            .getScopeSpans(0)
            .getSpansList()) {
      if (s.getKind() != Span.SpanKind.SPAN_KIND_SERVER) {
        n++;
      }
    }
    return n;
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  private static ByteString id(Random r, int bytes) {
    byte[] b = new byte[bytes];
    r.nextBytes(b);
    b[0] |= 1;
    return ByteString.copyFrom(b);
  }

  /**
   * Requests of {@value #SPANS_PER_REQUEST} spans shaped as the demo workload's turns, as the Java
   * SDK exports them: a root server span with the conversation, user, tenant and feature; an LLM
   * client span with its usage; a web_search tool span in 15% of turns. Unique IDs throughout.
   */
  static List<byte[]> payloads(int requests, long seed) {
    Random r = new Random(seed);
    Resource resource =
        Resource.newBuilder()
            .addAttributes(kv("service.name", "demo-chat-app"))
            .addAttributes(kv("service.version", "1.4.2"))
            .addAttributes(kv("telemetry.sdk.language", "java"))
            .addAttributes(kv("telemetry.sdk.name", "opentelemetry"))
            .addAttributes(kv("telemetry.sdk.version", "1.67.0"))
            .addAttributes(kv("host.name", "chat-7f9c6d-x2k4p"))
            .addAttributes(kv("deployment.environment.name", "production"))
            .build();
    InstrumentationScope scope =
        InstrumentationScope.newBuilder()
            .setName("io.opentelemetry.openai-java-1.1")
            .setVersion("2.33.1-alpha")
            .build();
    long t = 1_767_225_600_000_000_000L;
    List<byte[]> out = new ArrayList<>();
    for (int q = 0; q < requests; q++) {
      ScopeSpans.Builder spans = ScopeSpans.newBuilder().setScope(scope);
      while (spans.getSpansCount() < SPANS_PER_REQUEST) {
        ByteString trace = id(r, 16);
        ByteString rootId = id(r, 8);
        String[] model = MODELS[r.nextInt(MODELS.length)];
        t += 1_000_000_000L + r.nextInt(1_000_000_000);
        long input = 800 + r.nextInt(6000);
        long output = 80 + r.nextInt(700);
        boolean tool = r.nextDouble() < 0.15 && spans.getSpansCount() + 3 <= SPANS_PER_REQUEST;
        if (tool) {
          spans.addSpans(
              Span.newBuilder()
                  .setTraceId(trace)
                  .setSpanId(id(r, 8))
                  .setParentSpanId(rootId)
                  .setName("execute_tool web_search")
                  .setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
                  .setStartTimeUnixNano(t + 20_000_000)
                  .setEndTimeUnixNano(t + 700_000_000)
                  .addAttributes(kv("gen_ai.operation.name", "execute_tool"))
                  .addAttributes(kv("gen_ai.tool.name", "web_search"))
                  .addAttributes(
                      kv("gen_ai.tool.call.id", "call_" + Long.toHexString(r.nextLong()))));
        }
        Span.Builder llm =
            Span.newBuilder()
                .setTraceId(trace)
                .setSpanId(id(r, 8))
                .setParentSpanId(rootId)
                .setName("chat " + model[1])
                .setKind(Span.SpanKind.SPAN_KIND_CLIENT)
                .setStartTimeUnixNano(t + 710_000_000)
                .setEndTimeUnixNano(t + 1_900_000_000)
                .addAttributes(kv("gen_ai.operation.name", "chat"))
                .addAttributes(kv("gen_ai.provider.name", model[0]))
                .addAttributes(kv("gen_ai.request.model", model[1]))
                .addAttributes(kv("gen_ai.response.model", model[2]))
                .addAttributes(
                    kv("gen_ai.response.id", "chatcmpl-" + Long.toHexString(r.nextLong())))
                .addAttributes(
                    KeyValue.newBuilder()
                        .setKey("gen_ai.response.finish_reasons")
                        .setValue(
                            AnyValue.newBuilder()
                                .setArrayValue(
                                    ArrayValue.newBuilder()
                                        .addValues(AnyValue.newBuilder().setStringValue("stop")))))
                .addAttributes(kv("gen_ai.usage.input_tokens", input))
                .addAttributes(kv("gen_ai.usage.output_tokens", output))
                .addAttributes(kv("server.address", "api.example.com"))
                .addAttributes(kv("server.port", 443));
        if (r.nextBoolean()) {
          llm.addAttributes(kv("gen_ai.usage.cache_read.input_tokens", input / 2));
        }
        spans.addSpans(llm);
        if (spans.getSpansCount() == SPANS_PER_REQUEST) {
          break; // the last LLM span's root comes in a later request, as with a batch processor
        }
        spans.addSpans(
            Span.newBuilder()
                .setTraceId(trace)
                .setSpanId(rootId)
                .setName("POST /chat")
                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                .setStartTimeUnixNano(t)
                .setEndTimeUnixNano(t + 1_950_000_000)
                .addAttributes(
                    kv(
                        "gen_ai.conversation.id",
                        String.format("conv-%d-%05d", seed, r.nextInt(50_000))))
                .addAttributes(kv("enduser.id", "user-" + r.nextInt(400)))
                .addAttributes(
                    kv(
                        "tenant.id",
                        new String[] {"acme", "globex", "initech", "umbrella"}[r.nextInt(4)]))
                .addAttributes(kv("costtrace.feature", "support-chat"))
                .addAttributes(kv("http.route", "/chat"))
                .addAttributes(kv("http.request.method", "POST"))
                .addAttributes(kv("http.response.status_code", 200))
                .addAttributes(kv("url.path", "/chat")));
      }
      out.add(
          ExportTraceServiceRequest.newBuilder()
              .addResourceSpans(
                  ResourceSpans.newBuilder().setResource(resource).addScopeSpans(spans))
              .build()
              .toByteArray());
    }
    return out;
  }
}
