package dev.costtrace.agent.http.jdk;

import static java.util.Collections.singletonList;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;

/** Captures OpenAI-compatible calls made with the JDK HttpClient (Java 11+). */
@AutoService(InstrumentationModule.class)
public final class JdkHttpClientLlmInstrumentationModule extends InstrumentationModule {
  public JdkHttpClientLlmInstrumentationModule() {
    super("costtrace-java-http-client-llm", "costtrace-http-llm");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return singletonList(new HttpClientImplInstrumentation());
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
