package dev.costtrace.agent.genai;

import dev.costtrace.budget.api.ConversationBudgetExceededException;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One streamed SDK call being traced: its {@link GenAiStream}, current from {@link #start} until
 * the instrumented method returns; {@link #wrap} hands the app the SDK's stream observed by the
 * instrumentation's wrapper (or the SDK's own when anything fails), and the stream ends the span.
 * Every method contains its own failures and accepts the {@code null} {@link #start} returns when
 * the call is not traced.
 */
public class GenAiStreamCall {
  private final GenAiStream stream;
  private final Scope scope;

  GenAiStreamCall(GenAiStream stream, Scope scope) {
    this.stream = stream;
    this.scope = scope;
  }

  /**
   * Starts the span of a streamed call and makes it current; null when not traced (as GenAiCall).
   */
  public static GenAiStreamCall start(
      GenAiInstrumenter instrumenter, Supplier<GenAiRequest> requests) {
    try {
      Context parent = Context.current();
      GenAiStream stream;
      if (GenAiSpans.isActive(parent)) {
        // As GenAiCall: no mapping under another gen_ai span, unless it needs its budget.
        if (!GenAiBudget.needsAdmissionUnder(parent)) {
          return null;
        }
        GenAiRequest request = requests.get();
        Context context = GenAiBudget.admitUnderForeignSpan(parent, request);
        if (context == null) {
          return null;
        }
        stream = new GenAiStream(instrumenter, context, request);
      } else {
        stream = instrumenter.startStream(parent, requests.get());
      }
      if (!stream.isRecording()) {
        return null;
      }
      return new GenAiStreamCall(stream, stream.context().makeCurrent());
    } catch (ConversationBudgetExceededException e) {
      return new Blocked(e);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  public GenAiStream stream() {
    return stream;
  }

  /** The model the budget says to send instead of the requested one, or null. */
  public String downgradeModel() {
    return stream == null ? null : GenAiBudget.downgradeModel(stream.context());
  }

  /**
   * What the advice's exit throws: the budget's exception for a blocked call, else {@code error}.
   */
  public static Throwable thrown(GenAiStreamCall call, Throwable error) {
    return call instanceof Blocked ? ((Blocked) call).exception : error;
  }

  /** A streamed call the budget blocked (see {@link GenAiCall.Blocked}). */
  public static final class Blocked extends GenAiStreamCall {
    final RuntimeException exception;

    Blocked(RuntimeException exception) {
      super(null, null);
      this.exception = exception;
    }
  }

  /**
   * The method returned {@code response} or threw {@code error}: the stream the app gets, {@code
   * wrapper.apply(response)}, or the SDK's own one when the call failed or the wrapper threw.
   */
  public static <S> S wrap(
      GenAiStreamCall call, S response, Throwable error, Function<S, S> wrapper) {
    if (call == null || call instanceof Blocked) {
      return response;
    }
    try {
      call.scope.close();
      if (error != null || response == null) {
        call.stream.fail(error);
        return response;
      }
      return wrapper.apply(response);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      call.stream.close();
      return response;
    }
  }
}
