package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiFailures;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayDeque;
import java.util.Deque;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;

/**
 * Context for Spring AI streams, whose model calls run when the flux is subscribed, not when it is
 * made. {@link #subscribeInCallerContext} makes the context of whoever asked for the stream (their
 * span, the ChatClient's conversation) current during the subscription; a model call that starts
 * during it keeps its own span current until the subscription returns ({@link
 * #keepUntilSubscribed}), which is when the vendor SDK or HTTP client underneath sends the request
 * — so that layer sees the span and makes no second one. Scopes are closed in reverse order on the
 * subscribing thread before it returns.
 */
final class SpringAiStreams {
  private static final ThreadLocal<Deque<Scope>> KEPT = new ThreadLocal<>();

  private SpringAiStreams() {}

  /** {@code source}, subscribed with the current context current; {@code source} on failure. */
  static <T> Flux<T> subscribeInCallerContext(Flux<T> source) {
    if (source == null) {
      return null;
    }
    try {
      return new CallerContextFlux<>(source, Context.current());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return source;
    }
  }

  /**
   * Keeps {@code scope} open until the subscription in progress on this thread returns; false when
   * none is (the caller closes it then).
   */
  static boolean keepUntilSubscribed(Scope scope) {
    Deque<Scope> kept = KEPT.get();
    if (kept == null) {
      return false;
    }
    kept.push(scope);
    return true;
  }

  /** A flux subscribing to another with a context current. */
  static final class CallerContextFlux<T> extends Flux<T> {
    private final Flux<T> source;
    private final Context context;

    CallerContextFlux(Flux<T> source, Context context) {
      this.source = source;
      this.context = context;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
      Deque<Scope> outer = KEPT.get();
      Deque<Scope> kept = new ArrayDeque<>();
      Scope scope = null;
      try {
        KEPT.set(kept);
        scope = context.makeCurrent();
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
      try {
        source.subscribe(actual);
      } finally {
        try {
          while (!kept.isEmpty()) {
            kept.pop().close();
          }
          if (scope != null) {
            scope.close();
          }
        } catch (Throwable t) {
          GenAiFailures.contain(t);
        } finally {
          if (outer == null) {
            KEPT.remove();
          } else {
            KEPT.set(outer);
          }
        }
      }
    }
  }
}
