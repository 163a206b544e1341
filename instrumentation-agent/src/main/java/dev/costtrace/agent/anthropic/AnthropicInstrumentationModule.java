package dev.costtrace.agent.anthropic;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agent glue for the Anthropic SDK: applies only where {@code MessageServiceImpl} is on the class
 * path. With Maven there is no muzzle plugin, so every class the advice reaches is listed in {@link
 * #getAdditionalHelperClassNames} (order: dependencies first) and injected into the app's loader.
 * Disable with {@code -Dotel.instrumentation.costtrace-anthropic-java.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class AnthropicInstrumentationModule extends InstrumentationModule {
  static final String MESSAGE_SERVICE = "com.anthropic.services.blocking.MessageServiceImpl";
  static final String MESSAGE_SERVICE_ASYNC = "com.anthropic.services.async.MessageServiceAsyncImpl";

  /** Every class the advice reaches, directly or not. */
  static final List<String> HELPERS =
      Arrays.asList(
          "dev.costtrace.agent.genai.GenAiAttributes",
          "dev.costtrace.agent.genai.GenAiFailures",
          "dev.costtrace.agent.genai.GenAiUsage",
          "dev.costtrace.agent.genai.GenAiUsage$Builder",
          "dev.costtrace.agent.genai.GenAiRequest",
          "dev.costtrace.agent.genai.GenAiRequest$Builder",
          "dev.costtrace.agent.genai.GenAiResponse",
          "dev.costtrace.agent.genai.GenAiResponse$Builder",
          "dev.costtrace.agent.genai.GenAiSpans",
          "dev.costtrace.agent.genai.GenAiSpans$1",
          "dev.costtrace.agent.genai.GenAiAttributesExtractor",
          "dev.costtrace.agent.genai.GenAiInstrumenter",
          "dev.costtrace.agent.genai.GenAiInstrumenter$1",
          "dev.costtrace.agent.genai.GenAiStream",
          "dev.costtrace.agent.genai.GenAiCall",
          "dev.costtrace.agent.genai.GenAiStreamCall",
          "dev.costtrace.agent.genai.GenAiStreamObserver",
          "dev.costtrace.agent.genai.GenAiStreamRecorder",
          "dev.costtrace.agent.genai.ObservedSpliterator",
          "dev.costtrace.agent.anthropic.AnthropicUsageDetails",
          "dev.costtrace.agent.anthropic.AnthropicModel",
          "dev.costtrace.agent.anthropic.AnthropicModel$UsageCounts",
          "dev.costtrace.agent.anthropic.AnthropicStreamRecorder",
          "dev.costtrace.agent.anthropic.TracingStreamResponse",
          "dev.costtrace.agent.anthropic.TracingAsyncStreamResponse",
          "dev.costtrace.agent.anthropic.TracingAsyncStreamResponse$TracingHandler",
          "dev.costtrace.agent.anthropic.AnthropicTelemetry");

  public AnthropicInstrumentationModule() {
    super("costtrace-anthropic-java", "costtrace-anthropic");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(MESSAGE_SERVICE);
  }

  @Override
  public boolean isHelperClass(String className) {
    return HELPERS.contains(className);
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HELPERS;
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new MessageServiceInstrumentation(MESSAGE_SERVICE, false),
        new MessageServiceInstrumentation(MESSAGE_SERVICE_ASYNC, true));
  }
}
