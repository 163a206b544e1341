package dev.costtrace.agent.genai;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One non-streamed SDK call being traced: its span is current from {@link #start} until the
 * instrumented method returns, and ends with the SDK's result mapped by the instrumentation (a
 * mapper that throws, e.g. on a malformed response, ends the span without response attributes).
 * What advice calls on either side of the SDK method; every method contains its own failures and
 * accepts the {@code null} that {@link #start} returns when the call is not traced.
 */
public final class GenAiCall {
  private final GenAiInstrumenter instrumenter;
  private final GenAiRequest request;
  private final Context context;
  private final Scope scope;
  private boolean left;

  private GenAiCall(
      GenAiInstrumenter instrumenter, GenAiRequest request, Context context, Scope scope) {
    this.instrumenter = instrumenter;
    this.request = request;
    this.context = context;
    this.scope = scope;
  }

  /**
   * Starts the span in the current context and makes it current; null when not traced or when
   * {@code request} (the instrumentation's mapping of the SDK's params) throws.
   */
  public static GenAiCall start(GenAiInstrumenter instrumenter, Supplier<GenAiRequest> requests) {
    try {
      Context parent = Context.current();
      if (GenAiSpans.isActive(parent)) {
        return null; // checked before the mapping: under another gen_ai span this costs no more
      }
      GenAiRequest request = requests.get();
      Context context = instrumenter.start(parent, request);
      return context == null
          ? null
          : new GenAiCall(instrumenter, request, context, context.makeCurrent());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The span's context. */
  public Context context() {
    return context;
  }

  /**
   * The instrumented method returned but the call goes on (a raw response the app parses later):
   * its span stops being current on this thread; end it later, from any thread, with {@link
   * #endLater}. Once per call.
   */
  public static void leave(GenAiCall call) {
    if (call == null || call.left) {
      return;
    }
    try {
      call.left = true;
      call.scope.close();
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** Ends the span of a call {@link #leave}d earlier (the caller makes sure it is once). */
  public static <R> void endLater(
      GenAiCall call, R result, Throwable error, Function<? super R, GenAiResponse> mapper) {
    if (call == null) {
      return;
    }
    try {
      call.endWith(result, error, mapper);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** A blocking call returned {@code result} or threw {@code error}: ends the span now. */
  public static <R> void end(
      GenAiCall call, R result, Throwable error, Function<? super R, GenAiResponse> mapper) {
    if (call == null) {
      return;
    }
    try {
      call.scope.close();
      call.endWith(result, error, mapper);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /**
   * An async call returned {@code future} (or threw {@code error}): ends the span when the future
   * completes. The app's future is left as it is.
   */
  public static <R> void endWhenDone(
      GenAiCall call,
      CompletableFuture<R> future,
      Throwable error,
      Function<? super R, GenAiResponse> mapper) {
    if (call == null) {
      return;
    }
    try {
      call.scope.close();
      if (error != null || future == null) {
        call.endWith(null, error, mapper);
        return;
      }
      future.whenComplete((result, failure) -> call.endWith(result, unwrap(failure), mapper));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  private <R> void endWith(R result, Throwable error, Function<? super R, GenAiResponse> mapper) {
    GenAiResponse response = null;
    if (result != null) {
      try {
        response = mapper.apply(result);
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    }
    instrumenter.end(context, request, response, error);
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
