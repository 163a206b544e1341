package dev.costtrace.agent.googlegenai;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.Iterator;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ResponseStream.iterator()} (the app reads a stream through it) and {@code close()}: the
 * iterator of a traced stream is observed, closing the stream ends its span.
 */
final class ResponseStreamInstrumentation implements TypeInstrumentation {
  static final String RESPONSE_STREAM = "com.google.genai.ResponseStream";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(RESPONSE_STREAM);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String prefix = ResponseStreamInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("iterator").and(takesArguments(0)), prefix + "$IteratorAdvice");
    transformer.applyAdviceToMethod(named("close").and(takesArguments(0)), prefix + "$CloseAdvice");
  }

  @SuppressWarnings("unused")
  public static final class IteratorAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object stream,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Iterator<?> iterator) {
      iterator = GoogleGenAiTelemetry.observe(stream, iterator);
    }
  }

  @SuppressWarnings("unused")
  public static final class CloseAdvice {
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.This Object stream) {
      GoogleGenAiTelemetry.closed(stream);
    }
  }
}
