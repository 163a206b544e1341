package dev.costtrace.agent.http.jdk;

import io.opentelemetry.context.Context;

/**
 * The context the application called {@code HttpClient.send}/{@code sendAsync} in, kept for the
 * duration of that call on its thread. The upstream HTTP client span is already current when the
 * request reaches the method we wrap, so the one-span check and the span's parent use this context
 * instead: a gen_ai span the caller is in (a framework's) is then seen, and our span is a sibling
 * of the HTTP span rather than its child.
 */
public final class CallerContext {
  private static final ThreadLocal<Context> CALLER = new ThreadLocal<>();

  private CallerContext() {}

  /** Records the current context if this is the outermost send; returns true if it was. */
  public static boolean enter() {
    if (CALLER.get() != null) {
      return false;
    }
    CALLER.set(Context.current());
    return true;
  }

  public static void exit(boolean outermost) {
    if (outermost) {
      CALLER.remove();
    }
  }

  /** The caller's context during a send, else the current one. */
  public static Context get() {
    Context c = CALLER.get();
    return c != null ? c : Context.current();
  }
}
