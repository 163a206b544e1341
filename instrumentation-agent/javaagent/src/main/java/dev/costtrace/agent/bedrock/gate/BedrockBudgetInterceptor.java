package dev.costtrace.agent.bedrock.gate;

import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.internal.BudgetTicket;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.lang.reflect.Method;
import java.util.Map;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;

/**
 * The budget gate of Bedrock Runtime calls, a global AWS SDK interceptor listed after the upstream
 * agent's. {@code modifyRequest} runs once per call (not per retry), after upstream's has started
 * the call's span and before the request is marshalled and signed: the call is admitted against
 * that span ({@link GenAiBudget#admitOnSpan}); a downgrade returns the request rebuilt with the
 * cheaper model id; a block ends upstream's span with the exception (through upstream's own
 * finisher, as its failure path would) and throws it, so nothing is sent. The ticket stays in the
 * call's execution attributes, where {@code BedrockSpanExtractor} settles it with the usage it
 * records at the span's end; a call with no upstream span is settled here. Every failure of ours is
 * contained: the call then goes out unchanged.
 */
public final class BedrockBudgetInterceptor implements ExecutionInterceptor {
  /** Upstream's attributes, named after its (shaded) interceptor class. */
  private static final String UPSTREAM_CONTEXT = "TracingExecutionInterceptor.Context";

  private static final String UPSTREAM_FINISHER = "TracingExecutionInterceptor.RequestFinisher";

  /** The ticket of a call under upstream's span, settled by the span's extractor. */
  static final ExecutionAttribute<BudgetTicket> TICKET =
      new ExecutionAttribute<>("dev.costtrace.agent.bedrock.gate.BudgetTicket");

  /** The ticket of a call without an upstream span, settled by this interceptor. */
  static final ExecutionAttribute<Object> UNTRACED_TICKET =
      new ExecutionAttribute<>("dev.costtrace.agent.bedrock.gate.UntracedBudgetTicket");

  @Override
  public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
    SdkRequest request = context.request();
    if (!GenAiBudget.enabled()) {
      return request;
    }
    io.opentelemetry.context.Context upstream = null;
    try {
      GenAiRequest call = BedrockRequests.request(request);
      if (call == null) {
        return request;
      }
      upstream = upstreamContext(attributes);
      BudgetTicket ticket =
          upstream != null
              ? GenAiBudget.admitOnSpan(upstream, Span.fromContext(upstream), call)
              : GenAiBudget.admitOnSpan(
                  io.opentelemetry.context.Context.current(), Span.getInvalid(), call);
      if (ticket == null) {
        return request;
      }
      if (upstream != null) {
        attributes.putAttribute(TICKET, ticket);
      } else {
        attributes.putAttribute(UNTRACED_TICKET, ticket);
      }
      String cheaper = ticket.downgradeModel();
      return cheaper == null ? request : BedrockRequests.withModel(request, cheaper);
    } catch (ConversationBudgetExceededException e) {
      endUpstreamSpan(upstream, attributes, e);
      throw e;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return request;
    }
  }

  @Override
  public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
    Object ticket = attributes.getAttribute(UNTRACED_TICKET);
    if (ticket instanceof BudgetTicket) {
      GenAiBudget.settle((BudgetTicket) ticket, response(context), null);
    }
  }

  @Override
  public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
    Object ticket = attributes.getAttribute(UNTRACED_TICKET);
    if (ticket instanceof BudgetTicket) {
      GenAiBudget.settle((BudgetTicket) ticket, null, context.exception());
    }
  }

  /** Converse's usage; other responses: none (the call keeps its estimate). */
  private static GenAiResponse response(Context.AfterExecution context) {
    GenAiResponse.Builder b = GenAiResponse.builder();
    try {
      if (context.response() instanceof ConverseResponse) {
        TokenUsage u = ((ConverseResponse) context.response()).usage();
        if (u != null) {
          b.usage(
              GenAiUsage.builder()
                  .inputTokens(u.inputTokens() == null ? null : u.inputTokens().longValue())
                  .outputTokens(u.outputTokens() == null ? null : u.outputTokens().longValue())
                  .build());
        }
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    return b.build();
  }

  /** The context of the span upstream's interceptor started for this call, or null. */
  private static io.opentelemetry.context.Context upstreamContext(ExecutionAttributes attributes) {
    Object value = upstream(attributes, UPSTREAM_CONTEXT);
    return value instanceof io.opentelemetry.context.Context
        ? (io.opentelemetry.context.Context) value
        : null;
  }

  private static Object upstream(ExecutionAttributes attributes, String suffix) {
    for (Map.Entry<ExecutionAttribute<?>, Object> e : attributes.getAttributes().entrySet()) {
      if (String.valueOf(e.getKey()).endsWith(suffix)) {
        return e.getValue();
      }
    }
    return null;
  }

  /**
   * A blocked call never reaches the SDK's failure path (the interceptor chain stops at {@code
   * modifyRequest}), so upstream's span is ended here: by upstream's finisher (its instrumenter's
   * {@code end}, with its extractors and metrics), else directly.
   */
  private static void endUpstreamSpan(
      io.opentelemetry.context.Context upstream,
      ExecutionAttributes attributes,
      RuntimeException error) {
    if (upstream == null) {
      return;
    }
    try {
      Object finisher = upstream(attributes, UPSTREAM_FINISHER);
      Method finish = finisher == null ? null : finishMethod(finisher.getClass());
      if (finish != null) {
        finish.invoke(finisher, upstream, attributes, null, error);
        return;
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    try {
      Span span = Span.fromContext(upstream);
      span.recordException(error);
      span.setStatus(StatusCode.ERROR);
      span.end();
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** {@code finish(Context, ExecutionAttributes, Response, Throwable)} of the finisher's type. */
  private static Method finishMethod(Class<?> type) {
    for (Class<?> i : type.getInterfaces()) {
      for (Method m : i.getDeclaredMethods()) {
        if (m.getName().equals("finish") && m.getParameterCount() == 4) {
          m.setAccessible(true);
          return m;
        }
      }
    }
    return null;
  }
}
