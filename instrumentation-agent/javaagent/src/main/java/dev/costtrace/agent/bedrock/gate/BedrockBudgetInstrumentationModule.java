package dev.costtrace.agent.bedrock.gate;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.HelperResourceBuilder;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Registers {@link BedrockBudgetInterceptor} as a global AWS SDK interceptor (the SDK reads {@code
 * software/amazon/awssdk/global/handlers/execution.interceptors} from the class path when a client
 * is built), where Bedrock Runtime is on the class path, next to the upstream {@code aws-sdk-2.2}
 * module's interceptor (in either order: see {@link BedrockBudgetInterceptor}). Disable with {@code
 * -Dotel.instrumentation.costtrace-bedrock-budget.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class BedrockBudgetInstrumentationModule extends InstrumentationModule {
  static final String GLOBAL_INTERCEPTORS =
      "software/amazon/awssdk/global/handlers/execution.interceptors";
  static final String OUR_INTERCEPTORS = "dev/costtrace/agent/bedrock/gate/execution.interceptors";

  static final List<String> HELPERS =
      HelperClasses.under(
          BedrockBudgetInstrumentationModule.class,
          "dev.costtrace.agent.shaded.jackson.",
          "dev.costtrace.agent.genai.",
          "dev.costtrace.agent.bedrock.gate.");

  public BedrockBudgetInstrumentationModule() {
    super("costtrace-bedrock-budget", "costtrace-bedrock-budget-2.2");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(
        "software.amazon.awssdk.core.interceptor.ExecutionInterceptor",
        "software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient");
  }

  @Override
  public void registerHelperResources(HelperResourceBuilder helperResourceBuilder) {
    helperResourceBuilder.register(GLOBAL_INTERCEPTORS, OUR_INTERCEPTORS);
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
    return Arrays.<TypeInstrumentation>asList(
        new SdkClientInstrumentation(), new BedrockAsyncClientInstrumentation());
  }
}
