package dev.costtrace.agent.googlegenai;

import dev.costtrace.agent.genai.GenAiFailures;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the SDK's {@code ApiClient} (package-private in 1.x, public in 2.x; {@code vertexAI()},
 * {@code location()}, {@code httpOptions()}, the last only a field in 1.0.x) by reflection: the
 * accessor when there is one, else the field of that name. Cached per class; null when neither
 * exists or anything fails.
 */
final class GoogleGenAiClient {
  private static final ClassValue<Map<String, Optional<Object>>> MEMBERS =
      new ClassValue<Map<String, Optional<Object>>>() {
        @Override
        protected Map<String, Optional<Object>> computeValue(Class<?> type) {
          return new ConcurrentHashMap<>();
        }
      };

  private GoogleGenAiClient() {}

  static Object read(Object client, String name) {
    if (client == null) {
      return null;
    }
    try {
      Object member =
          MEMBERS
              .get(client.getClass())
              .computeIfAbsent(name, n -> find(client.getClass(), n))
              .orElse(null);
      if (member instanceof Method) {
        return ((Method) member).invoke(client);
      }
      if (member instanceof Field) {
        return ((Field) member).get(client);
      }
      return null;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      GenAiFailures.contain(e);
      return null;
    }
  }

  private static Optional<Object> find(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      try {
        Method m = c.getDeclaredMethod(name);
        m.setAccessible(true);
        return Optional.of(m);
      } catch (NoSuchMethodException | RuntimeException e) {
        // try the field, then the superclass
      }
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return Optional.of(f);
      } catch (NoSuchFieldException | RuntimeException e) {
        // the superclass
      }
    }
    return Optional.empty();
  }
}
