package dev.costtrace.agent.faults;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Collections;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Instruments the CostTrace helper classes injected next to an instrumented library: the hook
 * methods below throw on entry. Each is called inside CostTrace's own containment, so the app must
 * see exactly what it sees without the fault (the ITs compare its output).
 *
 * <ul>
 *   <li>every method outside the foundation returning a {@code GenAiResponse} or its builder: how
 *       each instrumentation maps a vendor response (the span ends without response attributes);
 *   <li>{@code GenAiStream.onChunk}: every streamed event of every SDK and framework;
 *   <li>{@code ResponseBodyTee.onBytes}: the HTTP capture's view of every response byte;
 *   <li>{@code GenAiToolInstrumenter.end}: the end of every tool span.
 * </ul>
 */
public final class FaultInjectionModule extends InstrumentationModule {
  public FaultInjectionModule() {
    super("costtrace-test-faults");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Collections.singletonList(new HookInstrumentation());
  }

  static final class HookInstrumentation implements TypeInstrumentation {
    private static final String GENAI = "dev.costtrace.agent.genai.";

    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return nameStartsWith("dev.costtrace.agent.")
          .and(not(nameStartsWith("dev.costtrace.agent.faults.")));
    }

    @Override
    public void transform(TypeTransformer transformer) {
      transformer.applyAdviceToMethod(
          isMethod()
              .and(
                  returns(named(GENAI + "GenAiResponse"))
                      .or(returns(named(GENAI + "GenAiResponse$Builder"))))
              .and(not(isDeclaredBy(nameStartsWith(GENAI)))),
          FaultInjectionModule.class.getName() + "$ThrowAdvice");
      transformer.applyAdviceToMethod(
          isMethod()
              .and(
                  named("onChunk").and(isDeclaredBy(named(GENAI + "GenAiStream")))
                      .or(named("end").and(isDeclaredBy(named(GENAI + "GenAiToolInstrumenter"))))
                      .or(
                          named("onBytes")
                              .and(isDeclaredBy(named("dev.costtrace.agent.http.ResponseBodyTee"))))),
          FaultInjectionModule.class.getName() + "$ThrowAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class ThrowAdvice {
    private ThrowAdvice() {}

    @Advice.OnMethodEnter
    public static void onEnter() {
      throw new IllegalStateException("costtrace test fault");
    }
  }
}
