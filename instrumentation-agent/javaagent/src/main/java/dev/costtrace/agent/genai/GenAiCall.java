package dev.costtrace.agent.genai;

import dev.costtrace.budget.api.ConversationBudgetExceededException;
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
 *
 * <p>Budgets: a call the budget blocks is a {@link Blocked}; advice skips the SDK method on it and
 * throws {@link #thrown} from its exit (an exception thrown by advice itself would be swallowed by
 * its {@code suppress}):
 *
 * <pre>{@code
 * @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
 * static GenAiCall enter(@Advice.Argument(value = 0, readOnly = false) Params params) {
 *   GenAiCall call = Telemetry.start(params);
 *   params = Telemetry.downgraded(params, call.downgradeModel());   // per SDK
 *   return call;
 * }
 * @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
 * static void exit(@Advice.Enter GenAiCall call, @Advice.Return Result result,
 *     @Advice.Thrown(readOnly = false) Throwable error) {
 *   Telemetry.end(call, result, error);
 *   error = GenAiCall.thrown(call, error);
 * }
 * }</pre>
 */
public class GenAiCall {
  private final GenAiInstrumenter instrumenter;
  private final GenAiRequest request;
  private final Context context;
  private final Scope scope;
  private boolean left;

  GenAiCall(GenAiInstrumenter instrumenter, GenAiRequest request, Context context, Scope scope) {
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
      Context context;
      GenAiRequest request;
      if (GenAiSpans.isActive(parent)) {
        // Checked before the mapping: under another gen_ai span this costs no more, unless that
        // span is someone else's (the upstream OpenAI chat span) and the call needs its budget.
        if (!GenAiBudget.needsAdmissionUnder(parent)) {
          return null;
        }
        request = requests.get();
        context = GenAiBudget.admitUnderForeignSpan(parent, request);
      } else {
        request = requests.get();
        context = instrumenter.start(parent, request);
      }
      return context == null
          ? null
          : new GenAiCall(instrumenter, request, context, context.makeCurrent());
    } catch (ConversationBudgetExceededException e) {
      return new Blocked(e);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The call's context (its span's, when traced). */
  public Context context() {
    return context;
  }

  /** The model the budget says to send instead of the requested one, or null. */
  public String downgradeModel() {
    return GenAiBudget.downgradeModel(context);
  }

  /**
   * What the advice's exit throws: the budget's exception for a blocked call, else {@code error}.
   */
  public static Throwable thrown(GenAiCall call, Throwable error) {
    return call instanceof Blocked ? ((Blocked) call).exception : error;
  }

  /** A call the budget blocked: nothing was sent, its span (if any) is ended. */
  public static final class Blocked extends GenAiCall {
    final RuntimeException exception;

    Blocked(RuntimeException exception) {
      super(null, null, null, null);
      this.exception = exception;
    }
  }

  /**
   * The instrumented method returned but the call goes on (a raw response the app parses later):
   * its span stops being current on this thread; end it later, from any thread, with {@link
   * #endLater}. Once per call.
   */
  public static void leave(GenAiCall call) {
    if (call == null || call instanceof Blocked || call.left) {
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
    if (call == null || call instanceof Blocked) {
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
    if (call == null || call instanceof Blocked) {
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
    if (call == null || call instanceof Blocked) {
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
