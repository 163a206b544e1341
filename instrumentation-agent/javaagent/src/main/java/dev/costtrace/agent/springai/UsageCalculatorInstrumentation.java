package dev.costtrace.agent.springai;

import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.springframework.ai.chat.metadata.Usage;

/**
 * {@code UsageCalculator.getCumulativeUsage(Usage current, ChatResponse previous)}, where Spring AI
 * models add a call's usage to that of the calls before it in an internal tool-calling loop (1.x):
 * {@code current} is this model call's own usage, with the provider's native usage (cached and
 * reasoning tokens), which the cumulative one returned has lost. Reported to the model call whose
 * span is current.
 */
public final class UsageCalculatorInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.ai.support.UsageCalculator");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod().and(isStatic()).and(named("getCumulativeUsage")).and(takesArguments(2)),
        UsageCalculatorInstrumentation.class.getName() + "$CumulativeUsageAdvice");
  }

  @SuppressWarnings("unused")
  public static final class CumulativeUsageAdvice {
    private CumulativeUsageAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(0) Usage current) {
      SpringAiTelemetry.reportUsage(current);
    }
  }
}
