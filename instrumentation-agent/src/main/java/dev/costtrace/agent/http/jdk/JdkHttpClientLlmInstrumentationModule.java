package dev.costtrace.agent.http.jdk;

import static java.util.Collections.emptyList;
import static java.util.Collections.singletonList;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/**
 * Captures OpenAI-compatible calls made with the JDK HttpClient (Java 11+). This class is compiled
 * for Java 8 with the rest of the extension; the instrumentation it returns uses the Java 11 API
 * and is compiled separately, so it is loaded by name (and only matches on Java 11+).
 */
@AutoService(InstrumentationModule.class)
public final class JdkHttpClientLlmInstrumentationModule extends InstrumentationModule {
  static final String INSTRUMENTATION =
      "dev.costtrace.agent.http.jdk.HttpClientImplInstrumentation";

  public JdkHttpClientLlmInstrumentationModule() {
    super("costtrace-java-http-client-llm", "costtrace-http-llm");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    try {
      return singletonList(
          (TypeInstrumentation)
              Class.forName(INSTRUMENTATION, true, getClass().getClassLoader())
                  .getConstructor()
                  .newInstance());
    } catch (ReflectiveOperationException | LinkageError e) {
      return emptyList(); // a Java 8 runtime: no java.net.http to instrument
    }
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.under(
        JdkHttpClientLlmInstrumentationModule.class,
        "dev.costtrace.agent.shaded.jackson.",
        "dev.costtrace.agent.genai.",
        "dev.costtrace.agent.http.",
        "!dev.costtrace.agent.http.okhttp.");
  }
}
