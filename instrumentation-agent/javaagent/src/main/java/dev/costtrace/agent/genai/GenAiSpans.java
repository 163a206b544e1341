package dev.costtrace.agent.genai;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.lang.reflect.Method;

/**
 * The one-span-per-call rule. Whoever starts a gen_ai client span marks its context with {@link
 * #markActive}; a layer below it (an HTTP-level capture under an SDK, an SDK under LangChain4j)
 * calls {@link #isActive} on the current context and makes no span of its own when it returns true.
 *
 * <p>Two checks, because instrumentation helpers are copied into each application class loader (so
 * a context key is only shared by code in the same loader) and upstream instrumentations do not set
 * our key: the key, and else whether the current span is a client span carrying {@code
 * gen_ai.operation.name} — read reflectively through the SDK's public {@code ReadableSpan}
 * interface, which helper code cannot link against (the SDK lives in the agent's class loader). The
 * second check sees only the innermost span: a layer that runs under an intermediate span (e.g.
 * inside an HTTP client span) relies on the key. For the JDK HttpClient capture, whose helpers live
 * in the platform class loader (where {@code java.net.http} is), {@link #markActive} also sets the
 * key of that loader's copy of this class: an HTTP client span between a gen_ai span and the JDK
 * client (Spring's WebClient over it) then hides nothing.
 */
public final class GenAiSpans {
  private static final ContextKey<Boolean> ACTIVE =
      ContextKey.named("costtrace-gen-ai-client-span");
  private static final String READABLE_SPAN = "io.opentelemetry.sdk.trace.ReadableSpan";

  private static final ClassValue<Method[]> READERS =
      new ClassValue<Method[]>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
          return readers(type);
        }
      };

  private GenAiSpans() {}

  /** How long a failed look-up of the platform loader's copy is not repeated. */
  private static final long PLATFORM_RETRY_NANOS = 5_000_000_000L;

  private static volatile ContextKey<Boolean> platformKey;
  private static volatile long platformLookedUp = System.nanoTime() - PLATFORM_RETRY_NANOS;

  /** {@code context} plus the mark that a gen_ai client span is active in it. */
  public static Context markActive(Context context) {
    Context marked = context.with(ACTIVE, Boolean.TRUE);
    ContextKey<Boolean> platform = platformKey();
    return platform == null ? marked : marked.with(platform, Boolean.TRUE);
  }

  /**
   * The key of this class's copy in the platform class loader (injected there with the JDK
   * HttpClient capture), or null when this is that copy or there is none yet (looked up again after
   * {@link #PLATFORM_RETRY_NANOS}).
   */
  @SuppressWarnings("unchecked")
  private static ContextKey<Boolean> platformKey() {
    ContextKey<Boolean> key = platformKey;
    if (key != null || System.nanoTime() - platformLookedUp < PLATFORM_RETRY_NANOS) {
      return key;
    }
    platformLookedUp = System.nanoTime();
    try {
      ClassLoader platform = ClassLoader.getSystemClassLoader().getParent();
      if (platform == null || GenAiSpans.class.getClassLoader() == platform) {
        return null;
      }
      Class<?> copy = Class.forName(GenAiSpans.class.getName(), false, platform);
      if (copy == GenAiSpans.class) {
        return null;
      }
      java.lang.reflect.Field field = copy.getDeclaredField("ACTIVE");
      field.setAccessible(true);
      key = (ContextKey<Boolean>) field.get(null);
      platformKey = key;
      return key;
    } catch (Throwable t) {
      return null; // not injected there (yet): no JDK HttpClient capture to tell
    }
  }

  /**
   * True when a CostTrace layer in this class loader marked {@code context} (not upstream's span).
   */
  static boolean isOwn(Context context) {
    return context != null && context.get(ACTIVE) != null;
  }

  /** True when a gen_ai client span already covers work done in {@code context}. Never throws. */
  public static boolean isActive(Context context) {
    if (context == null) {
      return false;
    }
    if (context.get(ACTIVE) != null) {
      return true;
    }
    try {
      Span span = Span.fromContextOrNull(context);
      if (span == null) {
        return false;
      }
      Method[] readers = READERS.get(span.getClass());
      if (readers == null) {
        return false;
      }
      Object kind = readers[0].invoke(span);
      return kind != null
          && "CLIENT".equals(kind.toString())
          && readers[1].invoke(span, GenAiAttributes.OPERATION_NAME) != null;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return false;
    }
  }

  /** {@code getKind()} and {@code getAttribute(AttributeKey)} of ReadableSpan, or null. */
  private static Method[] readers(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        Method[] found = readersOfInterface(i);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static Method[] readersOfInterface(Class<?> i) {
    if (i.getName().equals(READABLE_SPAN)) {
      try {
        return new Method[] {
          i.getMethod("getKind"), i.getMethod("getAttribute", AttributeKey.class)
        };
      } catch (NoSuchMethodException e) {
        return null;
      }
    }
    for (Class<?> parent : i.getInterfaces()) {
      Method[] found = readersOfInterface(parent);
      if (found != null) {
        return found;
      }
    }
    return null;
  }
}
