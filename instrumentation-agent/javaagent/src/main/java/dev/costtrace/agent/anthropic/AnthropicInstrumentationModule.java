package dev.costtrace.agent.anthropic;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
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
  static final String MESSAGE_SERVICE_ASYNC =
      "com.anthropic.services.async.MessageServiceAsyncImpl";

  /**
   * Every class the advice reaches, directly or not: the foundation and this package, as the build
   * lists them in the extension jar ({@link HelperClasses}).
   */
  static final List<String> HELPERS =
      HelperClasses.under(
          AnthropicInstrumentationModule.class,
          "dev.costtrace.agent.genai.",
          "dev.costtrace.agent.anthropic.");

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
        new MessageServiceInstrumentation(MESSAGE_SERVICE_ASYNC, true),
        new SdkTracingInstrumentation());
  }
}
