package dev.costtrace.bench.reliability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Export requests of one conversation turn each, as an instrumented app records it: a server span
 * carrying the conversation ID, {@value #LLM_CALLS} OpenAI gpt-4o-mini calls (2,000 input and 300
 * output tokens: $0.00048 each) and as many other client spans (not priced, not stored). Spans are
 * made by the OpenTelemetry SDK and encoded by its own OTLP marshaler once; every request is that
 * template with its own trace ID and conversation ID patched in, so each is distinct and the
 * generator stays cheap enough to push several times what the receiver takes.
 */
final class TraceRequests {
  static final int LLM_CALLS = 50;

  /** Spans per request: the root, the LLM calls and as many other spans. */
  static final int SPANS = 1 + 2 * LLM_CALLS;

  /** What the rows of one request cost. */
  static final BigDecimal COST = new BigDecimal("0.00048").multiply(BigDecimal.valueOf(LLM_CALLS));

  private static final String CONVERSATION_PLACEHOLDER = "XXXXXXXXXXXXXXXX";

  private final byte[] template;
  private final int[] traceIdAt;
  private final int conversationAt;
  private final long run;

  /**
   * @param run distinguishes the trace IDs of one generator from another's in the same database
   */
  TraceRequests(long run) {
    this.run = run;
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "reliability").build())
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build()) {
      Tracer tracer = provider.get("costtrace-reliability");
      Span root = tracer.spanBuilder("POST /chat").setSpanKind(SpanKind.SERVER).startSpan();
      root.setAttribute("gen_ai.conversation.id", "conv-" + CONVERSATION_PLACEHOLDER);
      root.setAttribute("tenant.id", "acme");
      try (Scope ignored = root.makeCurrent()) {
        for (int i = 0; i < LLM_CALLS; i++) {
          Span llm =
              tracer.spanBuilder("chat gpt-4o-mini").setSpanKind(SpanKind.CLIENT).startSpan();
          llm.setAttribute("gen_ai.operation.name", "chat");
          llm.setAttribute("gen_ai.provider.name", "openai");
          llm.setAttribute("gen_ai.request.model", "gpt-4o-mini");
          llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 2000L);
          llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 300L);
          llm.end();
          Span db = tracer.spanBuilder("SELECT messages").setSpanKind(SpanKind.CLIENT).startSpan();
          db.setAttribute("db.system", "postgresql");
          db.setAttribute("db.query.text", "SELECT * FROM messages WHERE conversation_id = $1");
          db.end();
        }
      }
      root.end();
      List<SpanData> spans = memory.getFinishedSpanItems();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TraceRequestMarshaler.create(spans).writeBinaryTo(out);
      this.template = out.toByteArray();
      this.traceIdAt = all(template, spans.get(0).getSpanContext().getTraceIdBytes());
      int[] conversation =
          all(template, CONVERSATION_PLACEHOLDER.getBytes(StandardCharsets.US_ASCII));
      if (traceIdAt.length != SPANS || conversation.length != 1) {
        throw new IllegalStateException(
            "unexpected template: "
                + traceIdAt.length
                + " trace IDs, "
                + conversation.length
                + " conversation IDs");
      }
      this.conversationAt = conversation[0];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The OTLP protobuf body of request {@code n}. */
  byte[] request(long n) {
    byte[] body = template.clone();
    byte[] id = traceId(n);
    for (int at : traceIdAt) {
      System.arraycopy(id, 0, body, at, id.length);
    }
    byte[] conversation = String.format("%016x", n).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(conversation, 0, body, conversationAt, conversation.length);
    return body;
  }

  /** The trace ID of request {@code n}: the run, then the request number. */
  byte[] traceId(long n) {
    byte[] id = new byte[16];
    for (int i = 0; i < 8; i++) {
      id[i] = (byte) (run >>> (56 - 8 * i));
      id[8 + i] = (byte) (n >>> (56 - 8 * i));
    }
    return id;
  }

  String traceIdHex(long n) {
    return HexFormat.of().formatHex(traceId(n));
  }

  int bytes() {
    return template.length;
  }

  private static int[] all(byte[] haystack, byte[] needle) {
    List<Integer> at = new ArrayList<>();
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      at.add(i);
    }
    return at.stream().mapToInt(Integer::intValue).toArray();
  }
}
