package dev.costtrace.agent.bedrock;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiAttributesExtractor;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.budget.api.internal.BudgetTicket;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Added to the upstream {@code aws-sdk-2.2} instrumenters by {@link BedrockCustomizer}; at the end
 * of a Bedrock Runtime span it writes the usage the receiver prices, after (so over) upstream's own
 * usage attributes: semconv input including cache reads and writes (upstream writes Bedrock's
 * uncached count), {@code gen_ai.usage.cache_read.input_tokens} and {@code
 * cache_creation.input_tokens}, and for {@code InvokeModel} the exact counts of the body or the
 * {@code X-Amzn-Bedrock-*-Token-Count} headers (upstream estimates Mistral's and Cohere's from the
 * text length) plus the id and model Anthropic's body names.
 *
 * <p>Where the usage is, all read reflectively (this class lives in the agent's extension class
 * loader, the SDK in the app's): the upstream {@code Response}'s SDK response — {@code
 * ConverseResponse.usage()}, {@code InvokeModelResponse.body()} and its HTTP headers — and, for
 * {@code ConverseStream}, the {@code TokenUsage} of the stream's metadata event that upstream's
 * stream handler keeps ({@code BedrockRuntimeStreamResponseHandler.fromContext(context).usage}).
 * Any other AWS call, or any failure, writes nothing. A call the budget gate admitted is settled
 * here with that usage (the span's end is the call's, streams included).
 */
public final class BedrockSpanExtractor implements AttributesExtractor<Object, Object> {
  static final String SERVICE_PACKAGE = "software.amazon.awssdk.services.bedrockruntime.";
  static final String MODEL_PACKAGE = SERVICE_PACKAGE + "model.";
  static final String STREAM_HANDLER =
      "io.opentelemetry.javaagent.shaded.instrumentation.awssdk.v2_2.internal."
          + "BedrockRuntimeImpl$BedrockRuntimeStreamResponseHandler";

  private static final BedrockSpanExtractor INSTANCE = new BedrockSpanExtractor();

  private static final ClassValue<Map<String, Optional<Method>>> METHODS =
      new ClassValue<Map<String, Optional<Method>>>() {
        @Override
        protected Map<String, Optional<Method>> computeValue(Class<?> type) {
          return new ConcurrentHashMap<>();
        }
      };

  private BedrockSpanExtractor() {}

  public static BedrockSpanExtractor create() {
    return INSTANCE;
  }

  @Override
  public void onStart(AttributesBuilder attributes, Context parentContext, Object request) {}

  @Override
  public void onEnd(
      AttributesBuilder attributes,
      Context context,
      Object request,
      Object response,
      Throwable error) {
    BedrockUsage usage = null;
    String responseModel = null;
    try {
      if (error != null && error.getClass().getName().startsWith(SERVICE_PACKAGE)) {
        // Upstream marks the span failed but names no error.type for Bedrock's own exceptions.
        attributes.put(GenAiAttributes.ERROR_TYPE, error.getClass().getName());
      }
      if (response != null) {
        Object sdkResponse = call(response, "getSdkResponse");
        String type = sdkResponse == null ? "" : sdkResponse.getClass().getName();
        if (type.equals(MODEL_PACKAGE + "ConverseResponse")) {
          usage = tokenUsage(call(sdkResponse, "usage"));
        } else if (type.equals(MODEL_PACKAGE + "InvokeModelResponse")) {
          BedrockInvokeModelUsage.Parsed parsed = invokeModel(response, sdkResponse);
          if (parsed.responseId != null) {
            attributes.put(GenAiAttributes.RESPONSE_ID, parsed.responseId);
          }
          responseModel = parsed.responseModel;
          if (responseModel != null) {
            attributes.put(GenAiAttributes.RESPONSE_MODEL, responseModel);
          }
          usage = parsed.usage;
        } else if (sdkResponse == null || type.startsWith(MODEL_PACKAGE)) {
          Object streamed = streamUsage(response);
          if (streamed != null) {
            usage = tokenUsage(streamed);
          }
        }
      }
      put(attributes, usage);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    settle(request, usage, responseModel, error);
  }

  /**
   * Settles the budget ticket the gate ({@code dev.costtrace.agent.bedrock.gate}) left in the
   * call's {@code ExecutionAttributes} (the upstream instrumenter's request), with the usage this
   * span records. The ticket's type is on the bootstrap class path, seen alike from here and from
   * the gate in the app's class loader.
   */
  private static void settle(
      Object executionAttributes, BedrockUsage usage, String responseModel, Throwable error) {
    if (executionAttributes == null || !GenAiBudget.enabled()) {
      return;
    }
    try {
      Object all = call(executionAttributes, "getAttributes");
      if (!(all instanceof Map)) {
        return;
      }
      for (Object value : ((Map<?, ?>) all).values()) {
        if (value instanceof BudgetTicket) {
          GenAiResponse.Builder response = GenAiResponse.builder().responseModel(responseModel);
          if (usage != null && !usage.isEmpty()) {
            response.usage(usage.toUsage());
          }
          GenAiBudget.settle((BudgetTicket) value, response.build(), error);
          return;
        }
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  private static BedrockInvokeModelUsage.Parsed invokeModel(Object response, Object sdk)
      throws ReflectiveOperationException {
    Object bytes = call(sdk, "body");
    byte[] body = bytes == null ? null : (byte[]) call(bytes, "asByteArrayUnsafe");
    Object http = call(response, "getSdkHttpResponse");
    return BedrockInvokeModelUsage.parse(body, name -> header(http, name));
  }

  private static String header(Object http, String name) {
    if (http == null) {
      return null;
    }
    try {
      Object value = call(http, "firstMatchingHeader", String.class, name);
      return value instanceof Optional ? (String) ((Optional<?>) value).orElse(null) : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** The stream's {@code TokenUsage}, kept by upstream's stream handler; null when none. */
  private static Object streamUsage(Object response) throws ReflectiveOperationException {
    Object otelContext = call(response, "otelContext");
    if (otelContext == null) {
      return null;
    }
    Class<?> handlerType;
    try {
      handlerType = Class.forName(STREAM_HANDLER, false, response.getClass().getClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
    Method fromContext = null;
    for (Method m : handlerType.getDeclaredMethods()) {
      if (m.getName().equals("fromContext") && m.getParameterCount() == 1) {
        fromContext = m;
      }
    }
    if (fromContext == null) {
      return null;
    }
    fromContext.setAccessible(true);
    Object handler = fromContext.invoke(null, otelContext);
    if (handler == null) {
      return null;
    }
    Field usage = handlerType.getDeclaredField("usage");
    usage.setAccessible(true);
    return usage.get(handler);
  }

  /** Counts of a {@code TokenUsage}; the cache getters are absent from SDKs before 2.31. */
  static BedrockUsage tokenUsage(Object tokenUsage) {
    BedrockUsage u = new BedrockUsage();
    if (tokenUsage == null) {
      return u;
    }
    u.uncachedInput = count(tokenUsage, "inputTokens");
    u.output = count(tokenUsage, "outputTokens");
    u.cacheRead = count(tokenUsage, "cacheReadInputTokens");
    u.cacheWrite = count(tokenUsage, "cacheWriteInputTokens");
    return u;
  }

  private static Long count(Object target, String getter) {
    try {
      return BedrockUsage.toLong(call(target, getter));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static void put(AttributesBuilder attributes, BedrockUsage usage) {
    if (usage != null && !usage.isEmpty()) {
      GenAiAttributesExtractor.putUsage(attributes, usage.toUsage());
    }
  }

  private static Object call(Object target, String name) throws ReflectiveOperationException {
    Method m = method(target.getClass(), name);
    return m == null ? null : m.invoke(target);
  }

  private static Object call(Object target, String name, Class<?> argType, Object arg)
      throws ReflectiveOperationException {
    Method m = method(target.getClass(), name, argType);
    return m == null ? null : m.invoke(target, arg);
  }

  /** A public method by name (found through the public type declaring it), or null; cached. */
  private static Method method(Class<?> type, String name, Class<?>... params) {
    return METHODS
        .get(type)
        .computeIfAbsent(
            name + params.length,
            k -> {
              try {
                Method m = type.getMethod(name, params);
                m.setAccessible(true);
                return Optional.of(m);
              } catch (NoSuchMethodException | RuntimeException e) {
                return Optional.empty();
              }
            })
        .orElse(null);
  }
}
