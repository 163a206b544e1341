package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static java.util.Collections.emptyList;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Agent glue for Spring AI: applies only where {@code ChatModelObservationContext} (Spring AI 1.0+)
 * is on the class path. Java 8 bytecode like the rest of the extension; the instrumentations it
 * returns are compiled for Java 17 (Spring AI's class files) and loaded by name, as LangChain4j's
 * are. Disable with {@code -Dotel.instrumentation.costtrace-spring-ai.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class SpringAiInstrumentationModule extends InstrumentationModule {
  static final String CHAT_MODEL_CONTEXT =
      "org.springframework.ai.chat.observation.ChatModelObservationContext";

  private static final String[] INSTRUMENTATIONS = {
    "dev.costtrace.agent.springai.ObservationDocumentationInstrumentation",
    "dev.costtrace.agent.springai.TracingObservationHandlerInstrumentation",
    "dev.costtrace.agent.springai.StreamingChatModelInstrumentation",
    "dev.costtrace.agent.springai.MessageAggregatorInstrumentation",
    "dev.costtrace.agent.springai.UsageCalculatorInstrumentation",
    "dev.costtrace.agent.springai.AdvisorInstrumentation",
    "dev.costtrace.agent.springai.ToolExceptionProcessorInstrumentation"
  };

  public SpringAiInstrumentationModule() {
    super("costtrace-spring-ai", "costtrace-spring-ai-1.0");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(CHAT_MODEL_CONTEXT);
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    List<TypeInstrumentation> out = new ArrayList<>();
    try {
      for (String name : INSTRUMENTATIONS) {
        out.add(
            (TypeInstrumentation)
                Class.forName(name, true, getClass().getClassLoader())
                    .getConstructor()
                    .newInstance());
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      return emptyList(); // a JVM older than 17: no Spring AI can run there
    }
    return out;
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.under(
        SpringAiInstrumentationModule.class,
        "dev.costtrace.agent.genai.",
        "dev.costtrace.agent.springai.");
  }
}
