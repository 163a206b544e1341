package dev.costtrace.bench.agent;

import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.costtrace.agent.anthropic.AnthropicTelemetry;
import dev.costtrace.agent.attribution.AttributionSettings;
import dev.costtrace.agent.attribution.AttributionSpanProcessor;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiStreamCall;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.costtrace.agent.http.HttpCaptureSettings;
import dev.costtrace.agent.http.LlmEndpoint;
import dev.costtrace.agent.http.LlmHttpSpan;
import dev.costtrace.agent.http.ResponseBodyTee;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What CostTrace's own code adds to one LLM call, in-process and free of network jitter (sample
 * time, so p50/p99/p99.9 per call): the attribution span processor on a span that starts under app
 * baggage and a server span (vs the same span without it), a whole gen_ai span through {@link
 * GenAiInstrumenter} with full usage, the Anthropic advice's work for a message call ({@link
 * AnthropicTelemetry} start + end with a real SDK {@link Message}) and for a streamed answer (real
 * SDK events through the tracing wrapper vs the bare stream), and the HTTP capture of a chat JSON
 * call ({@link LlmHttpSpan} start, tee, end). All on a real OTel SDK tracer provider with a {@link
 * BatchSpanProcessor} and a no-op exporter, as the agent sets it up. The tee alone, per SSE event,
 * is {@link ResponseTeeBenchmark}.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AgentHotPathBenchmark {
  private SdkTracerProvider plainProvider;
  private SdkTracerProvider attributionProvider;
  private OpenTelemetrySdk sdk;
  private Tracer plainTracer;
  private Tracer attributionTracer;
  private GenAiInstrumenter instrumenter;
  private Context parent;
  private Span serverSpan;
  private GenAiRequest request;
  private GenAiResponse response;
  private MessageCreateParams params;
  private Message message;
  private List<RawMessageStreamEvent> events;
  private LlmEndpoint endpoint;
  private byte[] chatRequest;
  private byte[] chatResponse;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    plainProvider = provider(false);
    attributionProvider = provider(true);
    sdk = OpenTelemetrySdk.builder().setTracerProvider(attributionProvider).build();
    // AnthropicTelemetry and LlmHttpSpan use the global instance, as under the agent.
    GlobalOpenTelemetry.resetForTest();
    GlobalOpenTelemetry.set(sdk);
    plainTracer = plainProvider.get("bench");
    attributionTracer = attributionProvider.get("bench");
    instrumenter = GenAiInstrumenter.create(sdk, "dev.costtrace.bench");

    // An app serving a request: a server span with a captured tenant header, conversation baggage.
    serverSpan =
        attributionTracer
            .spanBuilder("POST /ask")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("costtrace.tenant.id", "acme")
            .startSpan();
    parent =
        Context.root()
            .with(Baggage.builder().put("gen_ai.conversation.id", "conv-bench-1").build())
            .with(serverSpan);

    request =
        GenAiRequest.builder(GenAiAttributes.PROVIDER_ANTHROPIC, GenAiAttributes.OPERATION_CHAT)
            .requestModel("claude-sonnet-4-5")
            .maxTokens(1024L)
            .serverAddress("api.anthropic.com")
            .build();
    response =
        GenAiResponse.builder()
            .responseId("msg_01XFDUDYJgAACzvnptvVoYEL")
            .responseModel("claude-sonnet-4-5-20250929")
            .addFinishReason("end_turn")
            .serviceTier("standard")
            .usage(
                GenAiUsage.builder()
                    .inputTokens(GenAiUsage.inputIncludingCache(21L, 1500L, 4000L))
                    .outputTokens(12L)
                    .cacheReadInputTokens(1500L)
                    .cacheCreationInputTokens(4000L)
                    .cacheCreation5mInputTokens(1000L)
                    .cacheCreation1hInputTokens(3000L)
                    .build())
            .build();

    params =
        MessageCreateParams.builder()
            .model("claude-sonnet-4-5")
            .maxTokens(1024)
            .addUserMessage("What is the capital of France?")
            .build();
    message =
        ObjectMappers.jsonMapper()
            .readValue(fixture("fixtures/anthropic/message-cache-1h.json"), Message.class);
    events =
        streamEvents(
            new String(fixture("fixtures/anthropic/messages-stream.sse"), StandardCharsets.UTF_8));

    endpoint =
        HttpCaptureSettings.defaults()
            .match("https", "api.openai.com", 443, "/v1/chat/completions");
    chatRequest =
        ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the"
                + " capital of France?\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    chatResponse = ResponseTeeBenchmark.chatJson().getBytes(StandardCharsets.UTF_8);

    // Each measured path must really make its span, or it would measure the early way out.
    boolean spans;
    try (Scope ignored = parent.makeCurrent()) {
      GenAiCall call = AnthropicTelemetry.start(params);
      spans = call != null;
      AnthropicTelemetry.end(call, message, null);
      GenAiStreamCall stream = AnthropicTelemetry.startStream(params);
      spans &= stream != null;
      AnthropicTelemetry.wrap(stream, new ListStream(events), null).close();
      LlmHttpSpan http =
          LlmHttpSpan.start(
              parent, endpoint, "api.openai.com", 443, chatRequest, chatRequest.length);
      spans &= http != null;
      if (http != null) {
        http.end(null);
      }
      Context genAi = instrumenter.start(parent, request);
      spans &= genAi != null;
      instrumenter.end(genAi, request, response, null);
    }
    if (!spans) {
      throw new IllegalStateException("a benchmarked path made no span");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    serverSpan.end();
    sdk.close();
    plainProvider.close();
    GlobalOpenTelemetry.resetForTest();
  }

  private static SdkTracerProvider provider(boolean attribution) {
    SdkTracerProviderBuilder b = SdkTracerProvider.builder();
    if (attribution) {
      b.addSpanProcessor(new AttributionSpanProcessor(AttributionSettings.defaults()));
    }
    return b.addSpanProcessor(BatchSpanProcessor.builder(new NoopExporter()).build()).build();
  }

  static byte[] fixture(String name) {
    try (InputStream in = AgentHotPathBenchmark.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The SDK's own events of a recorded stream (the SSE {@code data:} lines, pings left out). */
  static List<RawMessageStreamEvent> streamEvents(String sse) throws IOException {
    List<RawMessageStreamEvent> out = new ArrayList<>();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: ") && !line.contains("\"ping\"")) {
        out.add(
            ObjectMappers.jsonMapper().readValue(line.substring(6), RawMessageStreamEvent.class));
      }
    }
    return out;
  }

  /** Baseline: a client span under the app's context, on the agent's SDK without CostTrace. */
  @Benchmark
  public void spanWithoutAttribution() {
    plainTracer
        .spanBuilder("chat")
        .setParent(parent)
        .setSpanKind(SpanKind.CLIENT)
        .startSpan()
        .end();
  }

  /** The same span with the attribution processor: what CostTrace adds to every span. */
  @Benchmark
  public void spanWithAttribution() {
    attributionTracer
        .spanBuilder("chat")
        .setParent(parent)
        .setSpanKind(SpanKind.CLIENT)
        .startSpan()
        .end();
  }

  /** One whole gen_ai span (start, make current, end with full usage). */
  @Benchmark
  public void genAiSpanWithUsage() {
    Context ctx = instrumenter.start(parent, request);
    try (Scope ignored = ctx.makeCurrent()) {
      // the call would run here
    }
    instrumenter.end(ctx, request, response, null);
  }

  /** The Anthropic advice's work around a blocking {@code messages().create}. */
  @Benchmark
  public void anthropicMessageCall() {
    try (Scope ignored = parent.makeCurrent()) {
      GenAiCall call = AnthropicTelemetry.start(params);
      AnthropicTelemetry.end(call, message, null);
    }
  }

  /** Baseline: the app reading a streamed answer's events (bare SDK stream). */
  @Benchmark
  public void anthropicStreamAlone(Blackhole bh) {
    try (StreamResponse<RawMessageStreamEvent> stream = new ListStream(events)) {
      stream.stream().forEach(bh::consume);
    }
  }

  /** The same read through the Anthropic instrumentation's wrapper (span, usage, TTFT). */
  @Benchmark
  public void anthropicStreamTraced(Blackhole bh) {
    try (Scope ignored = parent.makeCurrent()) {
      GenAiStreamCall call = AnthropicTelemetry.startStream(params);
      try (StreamResponse<RawMessageStreamEvent> stream =
          AnthropicTelemetry.wrap(call, new ListStream(events), null)) {
        stream.stream().forEach(bh::consume);
      }
    }
  }

  /** The HTTP capture of one chat call: request body read, span, response tee and usage, end. */
  @Benchmark
  public LlmHttpSpan httpCaptureJsonCall() {
    LlmHttpSpan span =
        LlmHttpSpan.start(parent, endpoint, "api.openai.com", 443, chatRequest, chatRequest.length);
    ResponseBodyTee tee =
        span.teeFor("application/json", HttpCaptureSettings.DEFAULT_MAX_BODY_BYTES);
    tee.onBytes(chatResponse, 0, chatResponse.length);
    span.end(tee);
    return span;
  }

  /** A recorded stream as the SDK hands it to the app. */
  private static final class ListStream implements StreamResponse<RawMessageStreamEvent> {
    private final List<RawMessageStreamEvent> events;

    ListStream(List<RawMessageStreamEvent> events) {
      this.events = events;
    }

    @Override
    public Stream<RawMessageStreamEvent> stream() {
      return events.stream();
    }

    @Override
    public void close() {}
  }

  /** Export does nothing: the benchmark measures the app thread, not the exporter. */
  static final class NoopExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
