package dev.costtrace.agent.azure;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agent glue for the Azure OpenAI client library ({@code com.azure:azure-ai-openai}): applies only
 * where {@code OpenAIClient} is on the class path. Without muzzle every class the advice reaches is
 * listed ({@link HelperClasses}) and injected into the app's loader. Disable with {@code
 * -Dotel.instrumentation.costtrace-azure-ai-openai.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class AzureOpenAiInstrumentationModule extends InstrumentationModule {
  static final String CLIENT = "com.azure.ai.openai.OpenAIClient";
  static final String ASYNC_CLIENT = "com.azure.ai.openai.OpenAIAsyncClient";

  static final List<String> HELPERS =
      HelperClasses.under(
          AzureOpenAiInstrumentationModule.class,
          "dev.costtrace.agent.genai.",
          "dev.costtrace.agent.azure.");

  public AzureOpenAiInstrumentationModule() {
    super("costtrace-azure-ai-openai", "costtrace-azure-openai");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(CLIENT);
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
        new OpenAiClientInstrumentation(CLIENT, false),
        new OpenAiClientInstrumentation(ASYNC_CLIENT, true));
  }
}
