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
 * ({@link GenAiFailures}); a call that could not be traced returns {@code null} or a no-op stream and
 * the application carries on.
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
            .addContextCustomizer((context, request, startAttributes) -> GenAiSpans.markActive(context))
            .buildInstrumenter(SpanKindExtractor.alwaysClient());
    return new GenAiInstrumenter(instrumenter);
  }

  /**
   * The instrumenter of an SDK instrumentation on the global OpenTelemetry, made at first use (after
   * the agent installed it; advice classes are loaded earlier).
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
   * Starts the span, or returns {@code null} when a gen_ai span is already active in {@code
   * parent}, the instrumenter declines (sampling, suppression), or anything fails.
   */
  public Context start(Context parent, GenAiRequest request) {
    try {
      if (GenAiSpans.isActive(parent) || !instrumenter.shouldStart(parent, request)) {
        return null;
      }
      return instrumenter.start(parent, request);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** Ends a span {@link #start} returned; does nothing when {@code context} is {@code null}. */
  public void end(Context context, GenAiRequest request, GenAiResponse response, Throwable error) {
    if (context == null) {
      return;
    }
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
