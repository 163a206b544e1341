package dev.costtrace.agent.langchain4j;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiStream;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * The app's streaming handler as the model sees it: a dynamic proxy that shows every callback to
 * the {@link GenAiStream} and then hands it to the app's handler unchanged. A proxy rather than a
 * class implementing the interface because the interface keeps gaining default methods (1.2
 * thinking and tool-call partials, 1.8 context variants, 1.17 raw events): a fixed wrapper would
 * swallow the app's override of any method it does not know, a proxy forwards every method of
 * whatever version runs. The first partial (text, thinking or tool call) is the time to first
 * token; {@code onCompleteResponse} and {@code onError} end the span, before the app's handler
 * runs.
 *
 * <p>The app's handler runs in the caller's context (where the model was called), not in the
 * span's: what it does next — AiServices runs the tools the model asked for and calls the model
 * again — is not part of this call, and a second model call inside the span's context would be
 * taken for a layer of this one and get no span.
 */
final class TracingStreamingHandler implements InvocationHandler {
  private final StreamingChatResponseHandler delegate;
  private final GenAiStream stream;
  private final Context caller;

  private TracingStreamingHandler(
      StreamingChatResponseHandler delegate, GenAiStream stream, Context caller) {
    this.delegate = delegate;
    this.stream = stream;
    this.caller = caller;
  }

  static StreamingChatResponseHandler wrap(
      StreamingChatResponseHandler delegate, GenAiStream stream, Context caller) {
    return (StreamingChatResponseHandler)
        Proxy.newProxyInstance(
            StreamingChatResponseHandler.class.getClassLoader(),
            new Class<?>[] {StreamingChatResponseHandler.class},
            new TracingStreamingHandler(delegate, stream, caller));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return method.invoke(delegate, args); // toString
      }
    }
    observe(method.getName(), args);
    try (Scope ignored = caller.makeCurrent()) {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private void observe(String name, Object[] args) {
    try {
      if (name.startsWith("onPartial") || name.equals("onCompleteToolCall")) {
        stream.onChunk();
      } else if (name.equals("onCompleteResponse")) {
        if (args != null && args.length == 1 && args[0] instanceof ChatResponse) {
          try {
            LangChain4jModels.fill(stream.response(), (ChatResponse) args[0]);
          } finally {
            stream.complete();
          }
        } else {
          stream.complete();
        }
      } else if (name.equals("onError")) {
        stream.fail(args != null && args.length == 1 ? (Throwable) args[0] : null);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }
}
