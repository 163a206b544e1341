package dev.costtrace.agent.http.jdk;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpClientImpl.sendAsync(request, handler, pushHandler, executor)}: the one method every
 * {@code send}/{@code sendAsync} of the JDK client goes through. The handler is replaced by a
 * wrapping one for LLM requests.
 */
public final class HttpClientImplInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("jdk.internal.net.http.HttpClientImpl");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("sendAsync").and(takesArguments(4)),
        HttpClientImplInstrumentation.class.getName() + "$SendAsyncAdvice");
  }

  @SuppressWarnings({"unused", "rawtypes", "unchecked"})
  public static final class SendAsyncAdvice {
    private SendAsyncAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = LlmBodyHandler.Blocked.class)
    public static LlmBodyHandler wrap(
        @Advice.Argument(0) HttpRequest request,
        @Advice.Argument(value = 1, readOnly = false) HttpResponse.BodyHandler handler) {
      LlmBodyHandler wrapped = LlmBodyHandler.wrap(request, handler);
      if (wrapped != null) {
        handler = wrapped;
      }
      return wrapped;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void failed(
        @Advice.Enter LlmBodyHandler wrapped,
        @Advice.Return CompletableFuture future,
        @Advice.Thrown(readOnly = false) Throwable thrown) {
      if (wrapped instanceof LlmBodyHandler.Blocked) {
        thrown = LlmBodyHandler.thrown(wrapped, thrown);
      } else if (wrapped != null) {
        wrapped.watch(future, thrown);
      }
    }
  }
}
