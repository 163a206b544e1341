package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import io.micrometer.observation.Observation;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * The Micrometer {@code Observation} a Spring AI model or tool call gets, seen by an {@link
 * ObservedCall}: a dynamic proxy forwarding every method to the real observation (a dynamic proxy,
 * because the interface keeps gaining methods a fixed wrapper would miss), which tells the call
 * when the observed code runs ({@code observe}, {@code observeChecked}), starts, fails and stops.
 * Fluent methods return the proxy, so chained calls keep going through it. What the observation
 * does for the app (handlers, metrics, its scope) is unchanged; our hooks contain their failures.
 * The one exception let through is the budget's, when it blocks the call before the observed code
 * (or the stream's request) runs.
 */
final class InterceptedObservation implements InvocationHandler {
  private final Observation delegate;
  private final ObservedCall call;

  private InterceptedObservation(Observation delegate, ObservedCall call) {
    this.delegate = delegate;
    this.call = call;
  }

  static Observation wrap(Observation delegate, ObservedCall call) {
    return (Observation)
        Proxy.newProxyInstance(
            Observation.class.getClassLoader(),
            new Class<?>[] {Observation.class},
            new InterceptedObservation(delegate, call));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    int arity = args == null ? 0 : args.length;
    if (arity == 1 && (name.equals("observe") || name.equals("observeChecked"))) {
      return around(method, args);
    }
    if (arity == 0 && name.equals("start")) {
      try {
        call.start();
      } catch (ConversationBudgetExceededException e) {
        throw e; // blocked stream: Spring AI starts it inside the flux, which fails with it
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    } else if (arity == 1 && name.equals("error") && args[0] instanceof Throwable) {
      try {
        call.error((Throwable) args[0]);
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    }
    Object result = forward(method, args);
    if (arity == 0 && name.equals("stop")) {
      try {
        call.stop();
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    }
    return result == delegate ? proxy : result;
  }

  private Object around(Method method, Object[] args) throws Throwable {
    try {
      call.startAround();
    } catch (ConversationBudgetExceededException e) {
      throw e; // the budget blocked the call: the observed code (the vendor call) does not run
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    Object result = null;
    Throwable error = null;
    try {
      result = forward(method, args);
      return result;
    } catch (Throwable t) {
      error = t;
      throw t;
    } finally {
      try {
        call.endAround(result, error);
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    }
  }

  private Object forward(Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
