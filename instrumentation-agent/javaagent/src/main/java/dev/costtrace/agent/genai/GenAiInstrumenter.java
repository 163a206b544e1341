package dev.costtrace.agent.genai;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;
import java.util.function.Supplier;

/**
 * Makes one gen_ai client span per LLM call on the upstream {@link Instrumenter}: span name {@code
 * "{operation} {model}"}, {@link GenAiAttributesExtractor}, the {@link GenAiSpans} mark in the
 * span's context, and no span when one is already active. Every method contains its own failures
 * ({@link GenAiFailures}); a call that could not be traced returns {@code null} or a no-op stream
 * and the application carries on.
 *
 * <pre>{@code
 * Context ctx = tracer.start(Context.current(), request);   // null: not traced
 * try (Scope s = ctx == null ? null : ctx.makeCurrent()) { resp = call(); }
 * tracer.end(ctx, request, toGenAiResponse(resp), error);   // ctx null: does nothing
 * }</pre>
 */
public final class GenAiInstrumenter {
  private final Instrumenter<GenAiRequest, GenAiResponse> instrumenter;

  private GenAiInstrumenter(Instrumenter<GenAiRequest, GenAiResponse> instrumenter) {
    this.instrumenter = instrumenter;
  }

  /**
   * @param instrumentationName the scope name, {@code dev.costtrace.<library>}, e.g. {@code
   *     dev.costtrace.anthropic-java}
   */
  public static GenAiInstrumenter create(OpenTelemetry openTelemetry, String instrumentationName) {
    Instrumenter<GenAiRequest, GenAiResponse> instrumenter =
        Instrumenter.<GenAiRequest, GenAiResponse>builder(
                openTelemetry, instrumentationName, GenAiInstrumenter::spanName)
            .addAttributesExtractor(GenAiAttributesExtractor.create())
            .addContextCustomizer(
                (context, request, startAttributes) -> GenAiSpans.markActive(context))
            .buildInstrumenter(SpanKindExtractor.alwaysClient());
    return new GenAiInstrumenter(instrumenter);
  }

  /**
   * The instrumenter of an SDK instrumentation on the global OpenTelemetry, made at first use
   * (after the agent installed it; advice classes are loaded earlier).
   */
  public static Supplier<GenAiInstrumenter> lazy(String instrumentationName) {
    return new Supplier<GenAiInstrumenter>() {
      private volatile GenAiInstrumenter instrumenter;

      @Override
      public GenAiInstrumenter get() {
        GenAiInstrumenter i = instrumenter;
        if (i == null) {
          i = create(GlobalOpenTelemetry.get(), instrumentationName);
          instrumenter = i;
        }
        return i;
      }
    };
  }

  static String spanName(GenAiRequest request) {
    String model = request.requestModel();
    return model == null ? request.operation() : request.operation() + " " + model;
  }

  /** The underlying instrumenter, for callers that need its full API. */
  public Instrumenter<GenAiRequest, GenAiResponse> instrumenter() {
    return instrumenter;
  }

  /**
   * Starts the span and admits the call against the conversation's budget ({@link GenAiBudget}).
   * Returns the call's context, or {@code null} when a gen_ai span is already active in {@code
   * parent} or the call is neither traced (sampling, suppression, a failure) nor budgeted. A
   * non-null context may carry no span of ours (an untraced call with a budget): pass it to {@link
   * #end} all the same.
   *
   * @throws dev.costtrace.budget.api.ConversationBudgetExceededException when the budget blocks the
   *     call (its span, if any, is already ended): the one exception this method lets out, to be
   *     thrown to the app instead of sending the request. Advice must not let its {@code suppress}
   *     swallow it: {@link GenAiCall} and {@link GenAiStreamCall} turn it into a {@code Blocked}
   *     call the advice skips the method on and rethrows from its exit.
   */
  public Context start(Context parent, GenAiRequest request) {
    Context context = null;
    try {
      if (GenAiSpans.isActive(parent)) {
        return null;
      }
      if (instrumenter.shouldStart(parent, request)) {
        context = instrumenter.start(parent, request);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    return GenAiBudget.admit(this, parent, context, request);
  }

  /**
   * Ends a call {@link #start} returned: settles its budget reservation with the response's usage
   * and ends its span. Does nothing when {@code context} is {@code null}.
   */
  public void end(Context context, GenAiRequest request, GenAiResponse response, Throwable error) {
    if (context == null) {
      return;
    }
    if (GenAiBudget.settle(context, response, error)) {
      endSpan(context, request, response, error);
    }
  }

  void endSpan(Context context, GenAiRequest request, GenAiResponse response, Throwable error) {
    try {
      instrumenter.end(context, request, response, error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /**
   * Starts the span of a streamed call; the returned stream ends it exactly once, when the stream
   * completes, fails or is closed. A no-op stream when no span was started.
   */
  public GenAiStream startStream(Context parent, GenAiRequest request) {
    Context context = start(parent, request);
    return context == null ? GenAiStream.noop(parent) : new GenAiStream(this, context, request);
  }
}
