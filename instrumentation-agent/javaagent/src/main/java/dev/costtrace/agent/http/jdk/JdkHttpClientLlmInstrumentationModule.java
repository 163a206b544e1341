package dev.costtrace.agent.http.jdk;

import static java.util.Collections.emptyList;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * Captures OpenAI-compatible calls made with the JDK HttpClient (Java 11+). This class is compiled
 * for Java 8 with the rest of the extension; the instrumentation it returns uses the Java 11 API
 * and is compiled separately, so it is loaded by name (and only matches on Java 11+).
 */
@AutoService(InstrumentationModule.class)
public final class JdkHttpClientLlmInstrumentationModule extends InstrumentationModule {
  static final String SEND_INSTRUMENTATION =
      "dev.costtrace.agent.http.jdk.HttpClientSendInstrumentation";
  static final String INSTRUMENTATION =
      "dev.costtrace.agent.http.jdk.HttpClientImplInstrumentation";

  public JdkHttpClientLlmInstrumentationModule() {
    super("costtrace-java-http-client-llm", "costtrace-http-llm");
  }

  /**
   * Before the upstream {@code java-http-client} instrumentation, so that our advice on the public
   * send methods is outside its HTTP span and sees the caller's context.
   */
  @Override
  public int order() {
    return -1;
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    try {
      return Arrays.asList(instance(SEND_INSTRUMENTATION), instance(INSTRUMENTATION));
    } catch (ReflectiveOperationException | LinkageError e) {
      return emptyList(); // a Java 8 runtime: no java.net.http to instrument
    }
  }

  private TypeInstrumentation instance(String name) throws ReflectiveOperationException {
    return (TypeInstrumentation)
        Class.forName(name, true, getClass().getClassLoader()).getConstructor().newInstance();
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
