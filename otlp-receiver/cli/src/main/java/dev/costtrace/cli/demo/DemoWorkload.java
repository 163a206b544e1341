package dev.costtrace.cli.demo;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Realistic conversations as a chat product produces them, each turn one trace: a root server span
 * carrying the conversation ID (and user, tenant, feature) — on the root span only — with LLM calls
 * and tool calls beneath it. About 70 % quick lookups (1–3 turns), 25 % working sessions (5–15), 5
 * % deep dives (15–30) whose context grows every turn; several models and providers; cached input
 * (the conversation so far), reasoning tokens, web searches. Seeded: the same seed, the same
 * workload (IDs aside).
 */
public final class DemoWorkload {
  private static final String[] TENANTS = {"acme", "globex", "initech", "umbrella"};
  private static final String[] FEATURES = {
    "support-chat", "code-assistant", "search", "summarize"
  };

  /** A model and how its provider reports it. */
  private record Model(String provider, String name, boolean reasoning, boolean caching) {}

  private static final Model[] MODELS = {
    new Model("openai", "gpt-4o-mini", false, true),
    new Model("openai", "gpt-4o", false, true),
    new Model("openai", "o4-mini", true, true),
    new Model("anthropic", "claude-sonnet-4-5", false, true),
    new Model("anthropic", "claude-haiku-4-5", false, true),
    new Model("gcp.gemini", "gemini-2.5-flash", true, false),
    new Model("aws.bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", false, false),
  };

  /** What was sent. */
  public record Summary(int conversations, int turns, int llmCalls, int toolCalls) {
    /** Every span sent: a root per turn, plus the LLM and tool calls. */
    public long spans() {
      return (long) turns + llmCalls + toolCalls;
    }
  }

  private DemoWorkload() {}

  /**
   * Where the demo sends: an OTLP/HTTP base URL ({@code http://host:port} or {@code https://...}),
   * optionally a bearer token (for a receiver with auth on) and the PEM certificates to trust (for
   * a receiver with a self-signed or private-CA certificate).
   */
  public record Target(String otlpHttpEndpoint, String bearerToken, byte[] trustedCertificatesPem) {
    public static Target of(String otlpHttpEndpoint) {
      return new Target(otlpHttpEndpoint, null, null);
    }
  }

  /**
   * Sends {@code conversations} conversations to an OTLP/HTTP endpoint ({@code http://host:port}).
   */
  public static Summary send(String otlpHttpEndpoint, int conversations, long seed) {
    return send(Target.of(otlpHttpEndpoint), conversations, seed);
  }

  /** Sends {@code conversations} conversations to {@code target}, started over the last 6 hours. */
  public static Summary send(Target target, int conversations, long seed) {
    return send(target, conversations, seed, Instant.now().minus(Duration.ofHours(6)));
  }

  /**
   * Sends {@code conversations} conversations to {@code target}, started within the 6 hours from
   * {@code base} (each runs on from its start: a deep dive lasts up to about 70 minutes).
   */
  public static Summary send(Target target, int conversations, long seed, Instant base) {
    Random r = new Random(seed);
    OtlpHttpSpanExporterBuilder builder =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(target.otlpHttpEndpoint() + "/v1/traces")
            .setCompression("gzip");
    if (target.bearerToken() != null) {
      builder.addHeader("Authorization", "Bearer " + target.bearerToken());
    }
    if (target.trustedCertificatesPem() != null) {
      builder.setTrustedCertificates(target.trustedCertificatesPem());
    }
    OtlpHttpSpanExporter exporter = builder.build();
    // Spans are collected and exported in explicit batches whose results are checked: a demo that
    // makes spans far faster than an app must not lose any to a full queue or a dropped batch.
    List<SpanData> finished = new ArrayList<>();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "demo-chat-app").build())
            .addSpanProcessor(
                new SpanProcessor() {
                  @Override
                  public void onStart(Context parentContext, ReadWriteSpan span) {}

                  @Override
                  public boolean isStartRequired() {
                    return false;
                  }

                  @Override
                  public void onEnd(ReadableSpan span) {
                    finished.add(span.toSpanData());
                  }

                  @Override
                  public boolean isEndRequired() {
                    return true;
                  }
                })
            .build();
    Tracer tracer = provider.get("costtrace-demo");
    int turns = 0;
    int llm = 0;
    int tools = 0;
    for (int c = 0; c < conversations; c++) {
      if (finished.size() >= 512) {
        export(exporter, finished);
      }
      double kind = r.nextDouble();
      int n = kind < 0.70 ? 1 + r.nextInt(3) : kind < 0.95 ? 5 + r.nextInt(11) : 15 + r.nextInt(16);
      Model model = MODELS[r.nextInt(MODELS.length)];
      String conversation = String.format("conv-%05d", c);
      String tenant = TENANTS[r.nextInt(TENANTS.length)];
      String feature = FEATURES[r.nextInt(FEATURES.length)];
      String user = "user-" + r.nextInt(400);
      Instant t = base.plusSeconds(r.nextInt(6 * 3600));
      long context = 800 + r.nextInt(2500); // system prompt + first question
      for (int turn = 0; turn < n; turn++) {
        turns++;
        Span root =
            tracer
                .spanBuilder("POST /chat")
                .setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(t)
                .startSpan();
        root.setAttribute("gen_ai.conversation.id", conversation);
        root.setAttribute("enduser.id", user);
        root.setAttribute("tenant.id", tenant);
        root.setAttribute("costtrace.feature", feature);
        root.setAttribute("http.route", "/chat");
        Context parent = Context.current().with(root);
        Instant at = t.plusMillis(20);
        long question = 40 + r.nextInt(300);
        long input = context + question;
        boolean search = r.nextDouble() < 0.15;
        if (search) {
          Span tool =
              tracer
                  .spanBuilder("execute_tool web_search")
                  .setParent(parent)
                  .setStartTimestamp(at)
                  .startSpan();
          tool.setAttribute("gen_ai.operation.name", "execute_tool");
          tool.setAttribute("gen_ai.tool.name", "web_search");
          at = at.plusMillis(400 + r.nextInt(900));
          tool.end(at);
          tools++;
          input += 1500 + r.nextInt(3000); // search results join the prompt
        }
        long output = 80 + r.nextInt(model.reasoning ? 1500 : 700);
        long reasoning = model.reasoning ? output / 2 + r.nextInt(2000) : 0;
        long cached = model.caching && turn > 0 ? (context / 1024) * 1024 : 0;
        Span call =
            tracer
                .spanBuilder("chat " + model.name)
                .setSpanKind(SpanKind.CLIENT)
                .setParent(parent)
                .setStartTimestamp(at)
                .startSpan();
        call.setAttribute("gen_ai.operation.name", "chat");
        call.setAttribute("gen_ai.provider.name", model.provider);
        call.setAttribute("gen_ai.request.model", model.name);
        call.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), input);
        call.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), output + reasoning);
        if (cached > 0) {
          call.setAttribute(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"), cached);
        }
        if (reasoning > 0) {
          call.setAttribute(
              AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens"), reasoning);
        }
        // Streamed: the first token comes after the prompt is read (derived, not drawn, so the
        // seeded workload stays the same).
        long durationMs = 600 + (output + reasoning) / 2;
        call.setAttribute(
            "gen_ai.server.time_to_first_token",
            Math.min(150 + input / 50, durationMs * 9 / 10) / 1000.0);
        at = at.plusMillis(durationMs);
        call.end(at);
        llm++;
        root.end(at.plusMillis(5));
        context = input + output; // the conversation so far is the next turn's context
        t = at.plusSeconds(20 + r.nextInt(120));
      }
    }
    export(exporter, finished);
    provider.shutdown().join(30, TimeUnit.SECONDS);
    exporter.shutdown().join(30, TimeUnit.SECONDS);
    return new Summary(conversations, turns, llm, tools);
  }

  /** Exports and clears the collected spans, 512 per request, retrying a failed request. */
  private static void export(OtlpHttpSpanExporter exporter, List<SpanData> spans) {
    for (int i = 0; i < spans.size(); i += 512) {
      List<SpanData> batch = List.copyOf(spans.subList(i, Math.min(spans.size(), i + 512)));
      boolean ok = false;
      for (int attempt = 0; attempt < 5 && !ok; attempt++) {
        ok = exporter.export(batch).join(30, TimeUnit.SECONDS).isSuccess();
        if (!ok) {
          try {
            Thread.sleep(200L << attempt);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the demo", e);
          }
        }
      }
      if (!ok) {
        throw new IllegalStateException("the receiver did not take a demo batch after 5 attempts");
      }
    }
    spans.clear();
  }
}
