package dev.costtrace.agent.http.okhttp;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static java.util.Collections.singletonList;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.config.HelperClasses;
import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Adds {@link LlmCallInterceptor} to OkHttp 3.x/4.x clients. With Maven there is no muzzle plugin,
 * so the helper classes injected next to OkHttp are listed explicitly: the gen_ai foundation, our
 * HTTP capture packages and the relocated jackson-core they parse with.
 */
@AutoService(InstrumentationModule.class)
public final class OkHttpLlmInstrumentationModule extends InstrumentationModule {
  public OkHttpLlmInstrumentationModule() {
    super("costtrace-okhttp-llm", "costtrace-http-llm");
  }

  /** Apps without OkHttp skip this module's type matching altogether. */
  @Override
  public ElementMatcher.Junction<ClassLoader> classLoaderMatcher() {
    return hasClassesNamed("okhttp3.OkHttpClient");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return singletonList(new OkHttpClientInstrumentation());
  }

  @Override
  public List<String> getAdditionalHelperClassNames() {
    return HelperClasses.under(
        OkHttpLlmInstrumentationModule.class,
        "dev.costtrace.agent.shaded.jackson.",
        "dev.costtrace.agent.genai.",
        "dev.costtrace.agent.http.",
        "!dev.costtrace.agent.http.jdk.");
  }
}
