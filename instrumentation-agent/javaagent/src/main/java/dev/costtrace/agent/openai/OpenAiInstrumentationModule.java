package dev.costtrace.agent.openai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agent glue for the OpenAI Java SDK: the Responses API's services (our spans) and the chat
 * services (time to first token on the upstream chat span; our own span where none covers the
 * call). Applies only where {@code ResponseServiceImpl} is on the class path; without muzzle every
 * class the advice reaches is listed in {@link #HELPERS} (dependencies first) and injected into the
 * app's loader. Disable with {@code -Dotel.instrumentation.costtrace-openai-java.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class OpenAiInstrumentationModule extends InstrumentationModule {
  static final String RESPONSE_SERVICE = "com.openai.services.blocking.ResponseServiceImpl";
  static final String RESPONSE_SERVICE_ASYNC = "com.openai.services.async.ResponseServiceAsyncImpl";
  static final String RAW_RESPONSE_SERVICE = RESPONSE_SERVICE + "$WithRawResponseImpl";
  static final String RAW_RESPONSE_SERVICE_ASYNC = RESPONSE_SERVICE_ASYNC + "$WithRawResponseImpl";
  static final String CHAT_SERVICE = "com.openai.services.blocking.chat.ChatCompletionServiceImpl";
  static final String CHAT_SERVICE_ASYNC =
      "com.openai.services.async.chat.ChatCompletionServiceAsyncImpl";

  /**
   * Every class the advice reaches, directly or not: the foundation and this package, as the build
   * lists them in the extension jar ({@link HelperClasses}).
   */
  static final List<String> HELPERS =
      HelperClasses.under(
          OpenAiInstrumentationModule.class,
          "dev.costtrace.agent.genai.",
          "dev.costtrace.agent.openai.",
          // an SDK pointed at Azure OpenAI (OpenAiEndpoint):
          "dev.costtrace.agent.azure.AzureDeployments",
          "dev.costtrace.agent.http.LlmEndpoint",
          // loaded by the agent in the extension (SPI), never next to the SDK:
          "!dev.costtrace.agent.openai.OpenAiChatCustomizer",
          "!dev.costtrace.agent.openai.OpenAiChatAttributesExtractor");

  public OpenAiInstrumentationModule() {
    super("costtrace-openai-java", "costtrace-openai");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(RESPONSE_SERVICE);
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
        new ResponseServiceInstrumentation(RESPONSE_SERVICE, false),
        new ResponseServiceInstrumentation(RESPONSE_SERVICE_ASYNC, true),
        new RawResponseServiceInstrumentation(RAW_RESPONSE_SERVICE, false),
        new RawResponseServiceInstrumentation(RAW_RESPONSE_SERVICE_ASYNC, true),
        new ChatCompletionServiceInstrumentation(CHAT_SERVICE, false),
        new ChatCompletionServiceInstrumentation(CHAT_SERVICE_ASYNC, true));
  }
}
