package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiFailures;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.ai.chat.metadata.Usage;

/**
 * The token details Spring AI's common {@code Usage} lacks, read by name: cache read and cache
 * write from Spring AI 2.0's own {@code getCacheReadInputTokens()} / {@code
 * getCacheWriteInputTokens()}, else from the provider's native usage object ({@code
 * getNativeUsage()}); reasoning tokens from the native usage. The native shapes known: OpenAI's as
 * Spring AI 1.x models it ({@code promptTokensDetails().cachedTokens()}, {@code
 * completionTokenDetails().reasoningTokens()}) and as the OpenAI Java SDK does (Spring AI 2.0;
 * {@code Optional}s, {@code completionTokensDetails}), and Anthropic's ({@code
 * cacheReadInputTokens()}, {@code cacheCreationInputTokens()}, Spring AI's or the SDK's). A shape
 * not known, or a getter that fails, leaves that count unreported — never zero.
 */
final class SpringAiNativeUsage {
  private static final ClassValue<ConcurrentHashMap<String, Optional<Method>>> GETTERS =
      new ClassValue<ConcurrentHashMap<String, Optional<Method>>>() {
        @Override
        protected ConcurrentHashMap<String, Optional<Method>> computeValue(Class<?> type) {
          return new ConcurrentHashMap<>();
        }
      };

  private final Long cacheRead;
  private final Long cacheWrite;
  private final Long reasoning;

  private SpringAiNativeUsage(Long cacheRead, Long cacheWrite, Long reasoning) {
    this.cacheRead = cacheRead;
    this.cacheWrite = cacheWrite;
    this.reasoning = reasoning;
  }

  static SpringAiNativeUsage of(Usage usage) {
    Object n = null;
    try {
      n = usage.getNativeUsage();
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    Long cacheRead =
        first(number(usage, "getCacheReadInputTokens"), number(n, "cacheReadInputTokens"));
    cacheRead = first(cacheRead, number(n, "promptTokensDetails", "cachedTokens"));
    Long cacheWrite =
        first(number(usage, "getCacheWriteInputTokens"), number(n, "cacheCreationInputTokens"));
    Long reasoning =
        first(
            number(n, "completionTokensDetails", "reasoningTokens"),
            number(n, "completionTokenDetails", "reasoningTokens"));
    return new SpringAiNativeUsage(cacheRead, cacheWrite, reasoning);
  }

  Long cacheRead() {
    return cacheRead;
  }

  Long cacheWrite() {
    return cacheWrite;
  }

  Long reasoning() {
    return reasoning;
  }

  private static Long first(Long a, Long b) {
    return a != null ? a : b;
  }

  /** {@code target.a().b()...} as a number (Optionals unwrapped), or null. Never throws. */
  static Long number(Object target, String... path) {
    try {
      Object v = target;
      for (String name : path) {
        if (v == null) {
          return null;
        }
        Method m = getter(v.getClass(), name);
        if (m == null) {
          return null;
        }
        v = m.invoke(v);
        if (v instanceof Optional) {
          v = ((Optional<?>) v).orElse(null);
        }
      }
      return v instanceof Number ? ((Number) v).longValue() : null;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  private static Method getter(Class<?> type, String name) {
    return GETTERS
        .get(type)
        .computeIfAbsent(name, n -> Optional.ofNullable(publicGetter(type, n)))
        .orElse(null);
  }

  /** A public no-argument method callable from here (declared by a public type), or null. */
  private static Method publicGetter(Class<?> type, String name) {
    try {
      Method m = type.getMethod(name);
      if (Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
        return m;
      }
      for (Class<?> i : type.getInterfaces()) {
        Method im = publicGetter(i, name);
        if (im != null) {
          return im;
        }
      }
      return null;
    } catch (NoSuchMethodException e) {
      return null;
    }
  }
}
