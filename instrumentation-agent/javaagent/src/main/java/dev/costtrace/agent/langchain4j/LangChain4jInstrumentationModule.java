package dev.costtrace.agent.langchain4j;

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
 * Agent glue for LangChain4j: applies only where {@code dev.langchain4j.model.chat.ChatModel} is on
 * the class path. This class is Java 8 bytecode like the rest of the extension; the
 * instrumentations it returns are compiled for Java 17 (LangChain4j's class files) and loaded by
 * name, so on an older JVM there is simply nothing to instrument. Disable with {@code
 * -Dotel.instrumentation.costtrace-langchain4j.enabled=false}.
 */
@AutoService(InstrumentationModule.class)
public final class LangChain4jInstrumentationModule extends InstrumentationModule {
  static final String CHAT_MODEL = "dev.langchain4j.model.chat.ChatModel";

  private static final String[] INSTRUMENTATIONS = {
    "dev.costtrace.agent.langchain4j.ChatModelInstrumentation",
    "dev.costtrace.agent.langchain4j.StreamingChatModelInstrumentation",
    "dev.costtrace.agent.langchain4j.AiServiceInvocationInstrumentation",
    "dev.costtrace.agent.langchain4j.ToolServiceInstrumentation",
    "dev.costtrace.agent.langchain4j.ToolExecutorInstrumentation",
    "dev.costtrace.agent.langchain4j.EmbeddingModelInstrumentation"
  };

  public LangChain4jInstrumentationModule() {
    super("costtrace-langchain4j", "costtrace-langchain4j-1.0");
  }

  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed(CHAT_MODEL);
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
      return emptyList(); // a JVM older than 17: no LangChain4j 1.x can run there
    }
    return out;
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.under(
        LangChain4jInstrumentationModule.class,
        "dev.costtrace.agent.genai.",
        "dev.costtrace.agent.langchain4j.");
  }
}
