package dev.costtrace.agent.googlegenai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agent glue for the Google Gen AI Java SDK: applies only where {@code com.google.genai.Models} is
 * on the class path; helper classes listed by the build ({@link HelperClasses}). Disable with
 * {@code -Dotel.instrumentation.costtrace-google-genai.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class GoogleGenAiInstrumentationModule extends InstrumentationModule {
  static final String MODELS = "com.google.genai.Models";
  static final String ASYNC_MODELS = "com.google.genai.AsyncModels";

  static final List<String> HELPERS =
      HelperClasses.under(
          GoogleGenAiInstrumentationModule.class,
          "dev.costtrace.agent.genai.",
          "dev.costtrace.agent.googlegenai.");

  public GoogleGenAiInstrumentationModule() {
    super("costtrace-google-genai", "costtrace-google-genai-1.0");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(MODELS);
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
        new ModelsInstrumentation(MODELS, false),
        new ModelsInstrumentation(ASYNC_MODELS, true),
        new ResponseStreamInstrumentation());
  }
}
