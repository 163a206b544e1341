package dev.costtrace.testing.faults;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load of conversation turns as an instrumented app records them (the SDK's own spans: a root
 * server span carrying the conversation, two gpt-4o-mini calls of 1,000 input and 100 output
 * tokens, {@link #CALL_USD} each), split into exports as a batch span processor sends them
 * (children first, roots in a later export), sent by the SDK's OTLP/HTTP exporter. Remembers which
 * exports were acknowledged, so a test can send again what was not (an exporter's retry) or what
 * was (a retry whose answer was lost), and knows what every conversation must cost.
 */
public final class TurnLoad {
  /** gpt-4o-mini: 1,000 × $0.15/M + 100 × $0.60/M. */
  public static final BigDecimal CALL_USD = new BigDecimal("0.00021");

  public static final int CALLS_PER_TURN = 2;

  /** One export request. */
  public static final class Export {
    private final List<SpanData> spans;
    private volatile boolean acknowledged;

    Export(List<SpanData> spans) {
      this.spans = List.copyOf(spans);
    }

    public List<SpanData> spans() {
      return spans;
    }

    public boolean acknowledged() {
      return acknowledged;
    }
  }

  private final List<Export> exports = new ArrayList<>();
  private final Map<String, BigDecimal> costs = new TreeMap<>();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final int turns;

  /**
   * @param turns conversation turns (traces)
   * @param conversations conversations they belong to, turn i to {@code prefix + (i %
   *     conversations)}
   * @param turnsPerExport turns whose children (then whose roots) share an export
   * @param idSeed 0 for random trace and span IDs; else IDs drawn from this seed, so that two loads
   *     with one seed have the same IDs (one tenant's traces under another's token)
   */
  public TurnLoad(int turns, int conversations, String prefix, int turnsPerExport, long idSeed) {
    this.turns = turns;
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SdkTracerProviderBuilder builder = SdkTracerProvider.builder();
    if (idSeed != 0) {
      Random ids = new Random(idSeed);
      builder.setIdGenerator(
          new IdGenerator() {
            @Override
            public String generateSpanId() {
              return String.format("%016x", ids.nextLong() | 1L);
            }

            @Override
            public String generateTraceId() {
              return String.format("%016x%016x", ids.nextLong() | 1L, ids.nextLong());
            }
          });
    }
    try (SdkTracerProvider provider =
        builder
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "fault-load").build())
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build()) {
      Tracer tracer = provider.get("costtrace-faults");
      for (int t = 0; t < turns; t++) {
        String conversation = prefix + (t % conversations);
        Span root = tracer.spanBuilder("POST /chat").setSpanKind(SpanKind.SERVER).startSpan();
        root.setAttribute("gen_ai.conversation.id", conversation);
        root.setAttribute("enduser.id", "user-" + (t % 5));
        try (Scope ignored = root.makeCurrent()) {
          for (int c = 0; c < CALLS_PER_TURN; c++) {
            Span llm =
                tracer.spanBuilder("chat gpt-4o-mini").setSpanKind(SpanKind.CLIENT).startSpan();
            llm.setAttribute("gen_ai.provider.name", "openai");
            llm.setAttribute("gen_ai.operation.name", "chat");
            llm.setAttribute("gen_ai.request.model", "gpt-4o-mini");
            llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1000L);
            llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 100L);
            llm.end();
          }
        }
        root.end();
        costs.merge(
            conversation, CALL_USD.multiply(BigDecimal.valueOf(CALLS_PER_TURN)), BigDecimal::add);
      }
      List<SpanData> finished = memory.getFinishedSpanItems();
      Map<String, List<SpanData>> byTrace = new LinkedHashMap<>();
      for (SpanData s : finished) {
        byTrace.computeIfAbsent(s.getTraceId(), k -> new ArrayList<>()).add(s);
      }
      List<List<SpanData>> traces = new ArrayList<>(byTrace.values());
      for (int i = 0; i < traces.size(); i += turnsPerExport) {
        List<SpanData> children = new ArrayList<>();
        List<SpanData> roots = new ArrayList<>();
        for (List<SpanData> trace :
            traces.subList(i, Math.min(traces.size(), i + turnsPerExport))) {
          for (SpanData s : trace) {
            (s.getParentSpanContext().isValid() ? children : roots).add(s);
          }
        }
        exports.add(new Export(children));
        exports.add(new Export(roots));
      }
    }
  }

  public List<Export> exports() {
    return exports;
  }

  public int turns() {
    return turns;
  }

  /** LLM spans: the rows that must be stored once each. */
  public long calls() {
    return (long) turns * CALLS_PER_TURN;
  }

  /** What every conversation must cost. */
  public Map<String, BigDecimal> expectedCosts() {
    return costs;
  }

  public BigDecimal expectedTotal() {
    return CALL_USD.multiply(BigDecimal.valueOf(calls()));
  }

  /** Why each export that was not acknowledged failed, in the order they failed, across sends. */
  public List<String> failures() {
    return List.copyOf(failures);
  }

  public List<Export> unacknowledged() {
    return exports.stream().filter(e -> !e.acknowledged()).toList();
  }

  /**
   * Sends these exports once each, from {@code threads} senders, through the SDK's OTLP/HTTP
   * exporter (its own retries off: the caller decides what to send again); marks those the receiver
   * acknowledged. Returns how many were.
   *
   * @param token a bearer token, or null
   */
  public int send(String tracesUrl, String token, Collection<Export> which, int threads) {
    return send(tracesUrl, token, which, threads, null);
  }

  /**
   * As {@link #send(String, String, Collection, int)}, with the exporter retrying as the SDK's
   * exporters do by default when {@code retryPolicy} is {@link RetryPolicy#getDefault()} (429, 502,
   * 503, 504 and failed connections, with back-off): for sending to a receiver that may still be
   * starting or replaying its buffer, as a real exporter would.
   */
  public int send(
      String tracesUrl,
      String token,
      Collection<Export> which,
      int threads,
      RetryPolicy retryPolicy) {
    // The exporter's own OkHttp dispatcher runs on an executor exactly as large as its request
    // limit
    // with no queue: several threads exporting at once sometimes get "executor rejected" without a
    // request being sent (square/okhttp#9443). An executor that can always grow avoids it.
    ExecutorService calls =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "turn-load-okhttp");
              t.setDaemon(true);
              return t;
            });
    OtlpHttpSpanExporterBuilder b =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(tracesUrl)
            .setTimeout(Duration.ofSeconds(20))
            .setRetryPolicy(retryPolicy)
            .setExecutorService(calls);
    if (token != null) {
      b.addHeader("Authorization", "Bearer " + token);
    }
    AtomicInteger acknowledged = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (OtlpHttpSpanExporter exporter = b.build()) {
      List<Future<?>> sent = new ArrayList<>();
      for (Export e : which) {
        sent.add(
            pool.submit(
                () -> {
                  long start = System.nanoTime();
                  CompletableResultCode result =
                      exporter.export(e.spans()).join(30, TimeUnit.SECONDS);
                  if (result.isSuccess()) {
                    e.acknowledged = true;
                    acknowledged.incrementAndGet();
                  } else {
                    failures.add(
                        String.format(
                            "export %d after %.1f s: %s",
                            exports.indexOf(e),
                            (System.nanoTime() - start) / 1e9,
                            !result.isDone()
                                ? "no answer within 30 s"
                                : result.getFailureThrowable() != null
                                    ? result.getFailureThrowable().toString()
                                    : "failed"));
                  }
                }));
      }
      for (Future<?> f : sent) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException("sending the load failed", e);
    } finally {
      pool.shutdownNow();
      calls.shutdownNow();
    }
    return acknowledged.get();
  }
}
