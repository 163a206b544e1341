package dev.costtrace.agent.genai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.budget.BudgetEngine;
import dev.costtrace.budget.BudgetSettings;
import dev.costtrace.budget.CallPricer;
import dev.costtrace.budget.api.BudgetRemaining;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetGate;
import dev.costtrace.budget.api.internal.BudgetTicket;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The budget hook of the gen_ai lifecycle, in-process with the real engine: admitted at start,
 * settled at end, blocked calls throw from {@code start} after their span ended, downgrades rename
 * the span, and calls that are not traced are budgeted all the same.
 */
class GenAiBudgetTest {
  /** gpt-4o: $2.50 / $10 per million; gpt-4o-mini: $0.15 / $0.60 (in picodollars per token). */
  static final CallPricer PRICER =
      (provider, model, in, cr, cw, out, r, tier) ->
          model.startsWith("gpt-4o-mini")
              ? in * 150_000L + out * 600_000L
              : model.startsWith("gpt-4o")
                  ? in * 2_500_000L + out * 10_000_000L
                  : CallPricer.UNKNOWN;

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

  @AfterEach
  void removeGate() {
    BudgetGate.Holder.set(null);
  }

  private GenAiInstrumenter instrumenter(Sampler sampler) {
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setSampler(sampler)
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    return GenAiInstrumenter.create(
        OpenTelemetrySdk.builder().setTracerProvider(provider).build(), "dev.costtrace.test");
  }

  private static BudgetEngine install(Map<String, String> settings) {
    BudgetEngine engine = BudgetEngine.builder(BudgetSettings.from(settings::get), PRICER).build();
    BudgetGate.Holder.set(
        new BudgetGate() {
          @Override
          public BudgetTicket admit(BudgetCall call) {
            return engine.admit(call);
          }

          @Override
          public BudgetRemaining remaining(String id) {
            return engine.remaining(id);
          }
        });
    return engine;
  }

  private static GenAiRequest request(String model) {
    return GenAiRequest.builder(GenAiAttributes.PROVIDER_OPENAI, GenAiAttributes.OPERATION_CHAT)
        .requestModel(model)
        .maxTokens(1000L)
        .conversationId("conv-1")
        .inputText(() -> "Hello, world!")
        .build();
  }

  private static GenAiResponse usage(String model, long in, long out) {
    return GenAiResponse.builder()
        .responseModel(model)
        .usage(GenAiUsage.builder().inputTokens(in).outputTokens(out).build())
        .build();
  }

  @Test
  void blocksTheCallPastTheCapAfterEndingItsSpan() {
    BudgetEngine engine = install(Map.of("costtrace.budget.conversation.cap.usd", "0.02"));
    GenAiInstrumenter tracer = instrumenter(Sampler.alwaysOn());
    Context first = tracer.start(Context.root(), request("gpt-4o")); // 4 in + 1000 out ≈ 0.01
    tracer.end(first, request("gpt-4o"), usage("gpt-4o", 1000, 1000), null); // 0.0125
    assertThatThrownBy(() -> tracer.start(Context.root(), request("gpt-4o")))
        .isInstanceOf(ConversationBudgetExceededException.class)
        .hasMessage(
            "conversation conv-1 over its budget: conversation_cap_usd is $0.02, this call"
                + " would reach $0.02251");
    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(2);
    SpanData blocked = spans.get(1);
    assertThat(blocked.getAttributes().get(AttributeKey.stringKey("costtrace.budget.action")))
        .isEqualTo("block");
    assertThat(blocked.getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo(ConversationBudgetExceededException.class.getName());
    assertThat(blocked.getEvents())
        .extracting(e -> e.getName())
        .containsExactly("costtrace.budget.limit_hit", "exception");
    assertThat(engine.remaining("conv-1").spentUsd()).isEqualByComparingTo("0.0125");
  }

  @Test
  void aRequestThatCannotTakeTheCheaperModelIsBlockedInsteadOfDowngraded() {
    install(
        Map.of(
            "costtrace.budget.conversation.cap.usd", "0.005",
            "costtrace.budget.action", "downgrade",
            "costtrace.budget.downgrade", "gpt-4o=gpt-4o-mini"));
    GenAiInstrumenter tracer = instrumenter(Sampler.alwaysOn());
    GenAiRequest fixed =
        GenAiRequest.builder(GenAiAttributes.PROVIDER_OPENAI, GenAiAttributes.OPERATION_CHAT)
            .requestModel("gpt-4o")
            .maxTokens(1000L)
            .conversationId("conv-1")
            .notDowngradable()
            .build();
    assertThatThrownBy(() -> tracer.start(Context.root(), fixed))
        .isInstanceOf(ConversationBudgetExceededException.class);
    assertThat(
            exporter
                .getFinishedSpanItems()
                .get(0)
                .getAttributes()
                .get(AttributeKey.stringKey("costtrace.budget.action")))
        .isEqualTo("block");
  }

  @Test
  void aCallUnderAnotherLibrarysSpanIsDecidedOnThatSpanAndSettledByItsTicket() {
    BudgetEngine engine = install(Map.of("costtrace.budget.conversation.cap.usd", "0.02"));
    SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    io.opentelemetry.api.trace.Span upstream =
        provider.get("upstream").spanBuilder("chat gpt-4o").startSpan();
    BudgetTicket ticket =
        GenAiBudget.decide(Context.root().with(upstream), upstream, request("gpt-4o"));
    assertThat(ticket.outcome()).isEqualTo("allow");
    GenAiBudget.settle(ticket, usage("gpt-4o", 1000, 1000), null);
    GenAiBudget.settle(ticket, usage("gpt-4o", 9000, 9000), null); // once per ticket
    upstream.end();
    assertThat(engine.remaining("conv-1").spentUsd()).isEqualByComparingTo("0.0125");

    // Decided before the other library's span started, recorded on it once it exists.
    BudgetTicket blocked =
        GenAiBudget.decide(
            Context.root(), io.opentelemetry.api.trace.Span.getInvalid(), request("gpt-4o"));
    assertThat(blocked.outcome()).isEqualTo("block");
    assertThat(blocked.exception()).isInstanceOf(ConversationBudgetExceededException.class);
    io.opentelemetry.api.trace.Span later =
        provider.get("upstream").spanBuilder("chat gpt-4o").startSpan();
    GenAiBudget.record(later, request("gpt-4o"), blocked);
    later.end(); // its owner ends it
    SpanData span = exporter.getFinishedSpanItems().get(1);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("costtrace.budget.action")))
        .isEqualTo("block");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
        .isEqualTo(ConversationBudgetExceededException.class.getName());
    assertThat(span.getEvents())
        .extracting(e -> e.getName())
        .contains("costtrace.budget.limit_hit");
    assertThat(
            exporter
                .getFinishedSpanItems()
                .get(0)
                .getAttributes()
                .get(AttributeKey.stringKey("costtrace.budget.action")))
        .isEqualTo("allow");
  }

  @Test
  void downgradeRenamesTheSpanAndTheCallCarriesTheModel() {
    install(
        Map.of(
            "costtrace.budget.conversation.cap.usd", "0.005",
            "costtrace.budget.action", "downgrade",
            "costtrace.budget.downgrade", "gpt-4o=gpt-4o-mini"));
    GenAiInstrumenter tracer = instrumenter(Sampler.alwaysOn());
    GenAiCall call;
    try (Scope ignored = Context.root().makeCurrent()) {
      call = GenAiCall.start(tracer, () -> request("gpt-4o"));
    }
    assertThat(call.downgradeModel()).isEqualTo("gpt-4o-mini");
    GenAiCall.end(call, "ok", null, r -> usage("gpt-4o-mini-2024-07-18", 4, 10));
    SpanData span = exporter.getFinishedSpanItems().get(0);
    assertThat(span.getName()).isEqualTo("chat gpt-4o-mini");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")))
        .isEqualTo("gpt-4o-mini");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("costtrace.budget.requested_model")))
        .isEqualTo("gpt-4o");
  }

  @Test
  void blockedCallIsABlockedCallForTheAdvice() {
    install(Map.of("costtrace.budget.conversation.max.llm.calls", "0"));
    GenAiCall call;
    try (Scope ignored = Context.root().makeCurrent()) {
      call = GenAiCall.start(instrumenter(Sampler.alwaysOn()), () -> request("gpt-4o"));
    }
    assertThat(call).isInstanceOf(GenAiCall.Blocked.class);
    assertThat(GenAiCall.thrown(call, null))
        .isInstanceOf(ConversationBudgetExceededException.class);
    assertThat(GenAiCall.thrown(null, null)).isNull();
  }

  @Test
  void untracedCallsAreBudgetedToo() {
    BudgetEngine engine = install(Map.of("costtrace.budget.conversation.max.llm.calls", "1"));
    GenAiInstrumenter tracer = instrumenter(Sampler.alwaysOff());
    Context ctx = tracer.start(Context.root(), request("gpt-4o"));
    assertThat(ctx).isNotNull(); // no span, but an admission to settle
    tracer.end(ctx, request("gpt-4o"), usage("gpt-4o", 4, 10), null);
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
    assertThat(engine.remaining("conv-1").llmCalls()).isZero();
    assertThatThrownBy(() -> tracer.start(Context.root(), request("gpt-4o")))
        .isInstanceOf(ConversationBudgetExceededException.class);
  }

  @Test
  void withoutAGateNothingChanges() {
    GenAiInstrumenter tracer = instrumenter(Sampler.alwaysOn());
    Context ctx = tracer.start(Context.root(), request("gpt-4o"));
    tracer.end(ctx, request("gpt-4o"), usage("gpt-4o", 4, 10), null);
    SpanData span = exporter.getFinishedSpanItems().get(0);
    assertThat(span.getAttributes().asMap().keySet())
        .noneMatch(k -> k.getKey().startsWith("costtrace.budget."));
    assertThat(span.getEvents()).isEmpty();
  }
}
