package dev.costtrace.bench.agent;

import dev.costtrace.agent.budget.SpanPricerCallPricer;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.costtrace.budget.BudgetEngine;
import dev.costtrace.budget.BudgetSettings;
import dev.costtrace.budget.CallPricer;
import dev.costtrace.budget.TokenEstimator;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetGate;
import dev.costtrace.budget.api.internal.BudgetTicket;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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

/**
 * What a budget check adds to one LLM call whose conversation is in this process's ledger (the
 * issue's figure: at most 5 µs at p99), side by side in one run: the engine's admit + settle alone
 * (prompt counted with jtokkit, estimate and settlement priced by span-pricing, reservation in the
 * ledger), the same with the input tokens already known (no tokenizer), the tokenizer alone on the
 * same prompt, and a whole gen_ai span through {@link GenAiInstrumenter} with and without the gate
 * installed (start, make current, end with usage: the difference is what the check costs a call,
 * attribute writing on the span included). Limits are set so that no call is ever blocked: the
 * check always runs to the end. The remote look-up is off (its cache makes it one HTTP GET per
 * conversation per 2 s, outside the hot path measured here).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BudgetCheckBenchmark {
  static final String PROMPT = "You are a helpful assistant for a travel site. The user asks: what is"
      + " the capital of France, and what are three things to see there on a first visit?";

  private BudgetEngine engine;
  private BudgetGate gate;
  private TokenEstimator tokens;
  private GenAiInstrumenter instrumenter;
  private Context parent;
  private GenAiRequest request;
  private GenAiResponse response;
  private BudgetCall call;
  private BudgetCall countedCall;

  @Setup(Level.Trial)
  public void setUp() {
    BudgetSettings settings = BudgetSettings.from(Map.of(
        "costtrace.budget.conversation.cap.usd", "1000000",
        "costtrace.budget.conversation.warn.usd", "999999",
        "costtrace.budget.remote.enabled", "false")::get);
    CallPricer pricer = SpanPricerCallPricer.fromEnvironment();
    engine = BudgetEngine.builder(settings, pricer).build();
    tokens = new TokenEstimator();
    tokens.count("openai", "gpt-4o-mini", PROMPT); // loads the encoding
    gate = new BudgetGate() {
      @Override
      public BudgetTicket admit(BudgetCall c) {
        c.conversationId = "conv-bench-1";
        return engine.admit(c);
      }

      @Override
      public dev.costtrace.budget.api.BudgetRemaining remaining(String id) {
        return engine.remaining(id);
      }
    };
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(new AgentHotPathBenchmark.NoopExporter())).build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    instrumenter = GenAiInstrumenter.create(sdk, "dev.costtrace.bench");
    parent = Context.root().with(Baggage.builder().put("gen_ai.conversation.id", "conv-bench-1").build());
    request = GenAiRequest.builder(GenAiAttributes.PROVIDER_OPENAI, GenAiAttributes.OPERATION_CHAT)
        .requestModel("gpt-4o-mini").maxTokens(256L).serverAddress("api.openai.com")
        .inputText(() -> PROMPT).build();
    response = GenAiResponse.builder().responseId("chatcmpl-bench").responseModel("gpt-4o-mini-2024-07-18")
        .addFinishReason("stop")
        .usage(GenAiUsage.builder().inputTokens(1342L).outputTokens(9L).cacheReadInputTokens(1024L).build())
        .build();
    call = newCall(-1);
    countedCall = newCall(41);
    // The conversation is in the ledger before measuring.
    engine.admit(newCall(-1)).settle("gpt-4o-mini", 1342, 1024, 0, 9, 0);
  }

  private static BudgetCall newCall(long inputTokens) {
    BudgetCall c = new BudgetCall();
    c.conversationId = "conv-bench-1";
    c.provider = "openai";
    c.model = "gpt-4o-mini";
    c.inputText = () -> PROMPT;
    c.inputTokens = inputTokens;
    c.maxOutputTokens = 256;
    return c;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    BudgetGate.Holder.set(null);
  }

  /** The engine: count the prompt, price, check, reserve; settle with the real usage. */
  @Benchmark
  public void admitAndSettle() {
    engine.admit(call).settle("gpt-4o-mini-2024-07-18", 1342, 1024, 0, 9, 0);
  }

  /** The same with the input tokens already counted: the engine without the tokenizer. */
  @Benchmark
  public void admitAndSettlePreCounted() {
    engine.admit(countedCall).settle("gpt-4o-mini-2024-07-18", 1342, 1024, 0, 9, 0);
  }

  /** jtokkit (o200k_base) on the prompt alone. */
  @Benchmark
  public long tokenizePrompt() {
    return tokens.count("openai", "gpt-4o-mini", PROMPT);
  }

  /** Baseline: one whole gen_ai span with no budget gate installed. */
  @Benchmark
  public void genAiSpanWithoutBudget() {
    BudgetGate.Holder.set(null);
    span();
  }

  /** The same span with the gate: admitted before, settled at the end, decision on the span. */
  @Benchmark
  public void genAiSpanWithBudget() {
    BudgetGate.Holder.set(gate);
    span();
  }

  private void span() {
    Context ctx = instrumenter.start(parent, request);
    try (Scope ignored = ctx.makeCurrent()) {
      // the call would run here
    }
    instrumenter.end(ctx, request, response, null);
  }
}
