package dev.costtrace.agent.bedrock.gate;

import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
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
 * The budget gate of Bedrock Runtime calls, a global AWS SDK interceptor next to the upstream
 * agent's (which one the SDK runs first is the class loader's resource order: ours, as the agent
 * 2.33 injects them). {@code modifyRequest}, once per call (not per retry) and before the request
 * is marshalled and signed, decides ({@link GenAiBudget#decide}); a downgrade returns the request
 * rebuilt with the cheaper model id. {@code beforeMarshalling}, when upstream's {@code
 * modifyRequest} has started the call's span, puts the decision on that span ({@link
 * GenAiBudget#record}); a block then ends upstream's span with the exception (through upstream's
 * own finisher, as its failure path would) and throws it, before anything is sent. The ticket goes
 * into the call's execution attributes, where {@code BedrockSpanExtractor} settles it with the
 * usage it records at the span's end; a call with no upstream span is settled here. Our failures
 * are contained: the call then goes out unchanged.
 */
public final class BedrockBudgetInterceptor implements ExecutionInterceptor {
  /** Upstream's attributes, named after its (shaded) interceptor class. */
  private static final String UPSTREAM_CONTEXT = "TracingExecutionInterceptor.Context";

  private static final String UPSTREAM_FINISHER = "TracingExecutionInterceptor.RequestFinisher";

  /** The decision between {@code modifyRequest} and {@code beforeMarshalling}. */
  static final ExecutionAttribute<Decision> DECISION =
      new ExecutionAttribute<>("dev.costtrace.agent.bedrock.gate.Decision");

  /** The ticket of a call under upstream's span, settled by the span's extractor. */
  static final ExecutionAttribute<BudgetTicket> TICKET =
      new ExecutionAttribute<>("dev.costtrace.agent.bedrock.gate.BudgetTicket");

  /** The ticket of a call without an upstream span, settled by this interceptor. */
  static final ExecutionAttribute<Decision> UNTRACED =
      new ExecutionAttribute<>("dev.costtrace.agent.bedrock.gate.Untraced");

  /** A call's request and ticket (not a ticket itself: the extractor looks for tickets). */
  static final class Decision {
    final GenAiRequest request;
    final BudgetTicket ticket;

    Decision(GenAiRequest request, BudgetTicket ticket) {
      this.request = request;
      this.ticket = ticket;
    }
  }

  @Override
  public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
    SdkRequest request = context.request();
    if (!GenAiBudget.enabled()) {
      return request;
    }
    try {
      GenAiRequest call = BedrockRequests.request(request);
      if (call == null) {
        return request;
      }
      io.opentelemetry.context.Context upstream = upstreamContext(attributes);
      BudgetTicket ticket =
          upstream != null
              ? GenAiBudget.decide(upstream, Span.fromContext(upstream), call)
              : GenAiBudget.decide(
                  io.opentelemetry.context.Context.current(), Span.getInvalid(), call);
      if (ticket == null) {
        return request;
      }
      attributes.putAttribute(DECISION, new Decision(upstream == null ? call : null, ticket));
      String cheaper = ticket.downgradeModel();
      return cheaper == null ? request : BedrockRequests.withModel(request, cheaper);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return request;
    }
  }

  @Override
  public void beforeMarshalling(Context.BeforeMarshalling context, ExecutionAttributes attributes) {
    Decision decision = attributes.getAttribute(DECISION);
    if (decision == null) {
      return;
    }
    io.opentelemetry.context.Context upstream = null;
    try {
      upstream = upstreamContext(attributes);
      if (upstream != null) {
        if (decision.request != null) { // decided before upstream's span started
          GenAiBudget.record(Span.fromContext(upstream), decision.request, decision.ticket);
        }
        attributes.putAttribute(TICKET, decision.ticket);
      } else {
        attributes.putAttribute(UNTRACED, decision);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    RuntimeException blocked =
        BudgetTicket.OUTCOME_BLOCK.equals(decision.ticket.outcome())
            ? decision.ticket.exception()
            : null;
    if (blocked != null) {
      endUpstreamSpan(upstream, attributes, blocked);
      throw blocked;
    }
  }

  @Override
  public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
    Decision untraced = attributes.getAttribute(UNTRACED);
    if (untraced != null) {
      GenAiBudget.settle(untraced.ticket, response(context), null);
    }
  }

  @Override
  public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
    Decision untraced = attributes.getAttribute(UNTRACED);
    if (untraced != null) {
      GenAiBudget.settle(untraced.ticket, null, context.exception());
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
   * A blocked call never reaches the SDK's failure path (the exception leaves before the request
   * pipeline), so upstream's span is ended here: by upstream's finisher (its instrumenter's {@code
   * end}, with its extractors and metrics), else directly.
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
