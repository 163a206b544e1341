package dev.costtrace.agent.genai;

import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetGate;
import dev.costtrace.budget.api.internal.BudgetTicket;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The budget check of the gen_ai lifecycle: every call that {@link GenAiInstrumenter#start} (and so
 * {@link GenAiCall}, {@link GenAiStreamCall}) starts is admitted by the agent's budget engine (the
 * {@link BudgetGate} on the bootstrap class path) before the request is sent, and settled with its
 * real usage when its span ends. The decision goes on the span ({@code costtrace.budget.*}
 * attributes, an event for a warning or a limit hit); a downgrade renames the span and its request
 * model; a block ends the span with the exception and throws it. A call is admitted once: a layer
 * below an admitted call (HTTP capture under an SDK) sees the admission in its context. Calls are
 * admitted whether or not they are traced, so the ledger counts every call of the process.
 */
public final class GenAiBudget {
  private static final ContextKey<Admission> KEY = ContextKey.named("costtrace-budget-admission");

  private GenAiBudget() {}

  /** Whether the agent's budget engine is installed (a rule or rules file is configured). */
  public static boolean enabled() {
    return BudgetGate.Holder.get() != null;
  }

  /** One admitted call: its ticket and whether its span is ours to end. */
  static final class Admission {
    final BudgetTicket ticket;
    final boolean ownSpan;

    Admission(BudgetTicket ticket, boolean ownSpan) {
      this.ticket = ticket;
      this.ownSpan = ownSpan;
    }
  }

  static boolean admitted(Context context) {
    return context != null && context.get(KEY) != null;
  }

  static Admission admission(Context context) {
    return context == null ? null : context.get(KEY);
  }

  /**
   * The span of the call whose context this is: its own span, or the invalid span when the call is
   * budgeted but not traced (its context then holds the caller's span, which must not get the
   * call's attributes).
   */
  public static Span callSpan(Context context) {
    Admission a = admission(context);
    return a != null && !a.ownSpan ? Span.getInvalid() : Span.fromContext(context);
  }

  /** The model the call must send instead of the requested one, or null. */
  public static String downgradeModel(Context context) {
    Admission a = admission(context);
    return a == null ? null : a.ticket.downgradeModel();
  }

  /**
   * {@code params} with the downgraded {@code model} when there is one ({@code withModel} rebuilds
   * the SDK's request); {@code params} itself when there is none or anything fails.
   */
  public static <P> P downgraded(P params, String model, BiFunction<P, String, P> withModel) {
    if (model == null || params == null) {
      return params;
    }
    try {
      return withModel.apply(params, model);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return params;
    }
  }

  /**
   * Admits a call under {@code parent} whose own span, if one was started, is in {@code context}
   * (null: not traced). Returns the context the call runs in: {@code context} (or {@code parent},
   * when not traced) carrying the admission, or {@code context} unchanged when no rule applies or
   * anything fails. A block is recorded on the span, which is ended, and thrown: the only exception
   * that leaves this method.
   */
  static Context admit(
      GenAiInstrumenter instrumenter, Context parent, Context context, GenAiRequest request) {
    BudgetTicket ticket =
        ticket(parent, context == null ? null : Span.fromContext(context), request);
    if (ticket == null) {
      return context;
    }
    if (BudgetTicket.OUTCOME_BLOCK.equals(ticket.outcome())) {
      RuntimeException e = ticket.exception();
      if (context != null) {
        instrumenter.endSpan(context, request, null, e);
      }
      throw e;
    }
    return (context != null ? context : parent).with(KEY, new Admission(ticket, context != null));
  }

  /**
   * Admits a call covered by a gen_ai span someone else made (the upstream agent's OpenAI chat
   * span) that no CostTrace layer has admitted: the decision goes on that span, which is left to
   * its owner. Null when there is nothing to admit; throws on a block, like {@link #admit}.
   */
  static Context admitUnderForeignSpan(Context parent, GenAiRequest request) {
    if (GenAiSpans.isOwn(parent)) {
      return null; // our own layer above did (or had no rule to do) the admission
    }
    BudgetTicket ticket = ticket(parent, Span.fromContext(parent), request);
    if (ticket == null) {
      return null;
    }
    if (BudgetTicket.OUTCOME_BLOCK.equals(ticket.outcome())) {
      RuntimeException e = ticket.exception();
      markBlocked(Span.fromContext(parent), e);
      throw e;
    }
    return parent.with(KEY, new Admission(ticket, false));
  }

  /**
   * {@code error.type} on the foreign span of a blocked call: its owner ends it with our exception
   * but does not always name it (the upstream agent's chat stream span does not), and the receiver
   * tells blocked calls from made ones by it.
   */
  private static void markBlocked(Span span, RuntimeException e) {
    try {
      span.setAttribute(GenAiAttributes.ERROR_TYPE, e.getClass().getName());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /**
   * Decides on a call made in {@code context} whose span is another library's, started before the
   * request leaves and ended by that library (the upstream agent's AWS SDK span), or {@link
   * Span#getInvalid()} when that span is not known yet or the call is untraced: the decision goes
   * on the span ({@link #record(Span, GenAiRequest, BudgetTicket)} puts it there later). Returns
   * the ticket, a blocked one included (its {@link BudgetTicket#exception()} is for the caller to
   * throw once the span is ended), or null when there is nothing to admit (no rule, or a CostTrace
   * layer above already admitted the call). The caller settles it with {@link #settle(BudgetTicket,
   * GenAiResponse, Throwable)}.
   */
  public static BudgetTicket decide(Context context, Span span, GenAiRequest request) {
    BudgetTicket ticket;
    try {
      ticket = ticket(context, span, request);
    } catch (ConversationBudgetExceededException e) {
      return null; // the engine returns blocked tickets; contained all the same
    }
    if (ticket != null
        && BudgetTicket.OUTCOME_BLOCK.equals(ticket.outcome())
        && span.getSpanContext().isValid()) {
      markBlocked(span, ticket.exception());
    }
    return ticket;
  }

  /**
   * Puts a decision made before the call's span existed on that span: the attributes and event, the
   * downgraded model and name, and for a block its {@code error.type}.
   */
  public static void record(Span span, GenAiRequest request, BudgetTicket ticket) {
    if (span == null || !span.getSpanContext().isValid() || ticket == null) {
      return;
    }
    recordDecision(span, request, ticket);
    if (BudgetTicket.OUTCOME_BLOCK.equals(ticket.outcome())) {
      markBlocked(span, ticket.exception());
    }
  }

  /** Whether {@code parent} still needs an admission under its active foreign span. */
  static boolean needsAdmissionUnder(Context parent) {
    return enabled() && !admitted(parent) && !GenAiSpans.isOwn(parent);
  }

  private static BudgetTicket ticket(Context parent, Span span, GenAiRequest request) {
    BudgetGate gate = BudgetGate.Holder.get();
    if (gate == null || admitted(parent)) {
      return null;
    }
    BudgetTicket ticket;
    try {
      BudgetCall call = new BudgetCall();
      call.provider = request.provider();
      call.model = request.requestModel();
      call.conversationId = request.conversationId();
      call.maxOutputTokens = request.maxTokens() == null ? -1 : request.maxTokens();
      call.serviceTier = request.serviceTier();
      call.inputText = request.inputText();
      call.downgradable = request.downgradable();
      call.span = span != null && span.getSpanContext().isValid() ? span : null;
      call.context = parent;
      ticket = gate.admit(call);
      if (ticket != null && call.span != null) {
        recordDecision(span, request, ticket);
      }
    } catch (ConversationBudgetExceededException e) {
      throw e;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
    return ticket;
  }

  /** The decision's attributes and event on the span; a downgrade renames span and model. */
  static void recordDecision(Span span, GenAiRequest request, BudgetTicket ticket) {
    try {
      AttributesBuilder attributes = Attributes.builder();
      for (Map.Entry<String, Object> e : ticket.spanAttributes().entrySet()) {
        Object v = e.getValue();
        if (v instanceof Long || v instanceof Integer) {
          attributes.put(AttributeKey.longKey(e.getKey()), ((Number) v).longValue());
        } else if (v != null) {
          attributes.put(AttributeKey.stringKey(e.getKey()), v.toString());
        }
      }
      Attributes a = attributes.build();
      span.setAllAttributes(a);
      if (ticket.eventName() != null) {
        span.addEvent(ticket.eventName(), a);
      }
      String cheaper = ticket.downgradeModel();
      if (cheaper != null) {
        span.setAttribute(GenAiAttributes.REQUEST_MODEL, cheaper);
        span.updateName(request.operation() + " " + cheaper);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /**
   * Settles the admission in {@code context} (if any) with the call's usage; a call that failed
   * without usage releases its reservation. Returns whether the span in {@code context} is still to
   * be ended by the caller.
   */
  static boolean settle(Context context, GenAiResponse response, Throwable error) {
    Admission a = admission(context);
    if (a == null) {
      return true;
    }
    settle(a.ticket, response, error);
    return a.ownSpan;
  }

  /**
   * Settles {@code ticket} with the call's usage; a call that failed without usage releases its
   * reservation, one whose usage was not seen keeps its estimate. Once per ticket (later calls do
   * nothing); never throws.
   */
  public static void settle(BudgetTicket ticket, GenAiResponse response, Throwable error) {
    if (ticket == null) {
      return;
    }
    try {
      GenAiUsage usage = response == null ? null : response.usage();
      if (usage == null && error != null) {
        ticket.release();
      } else if (usage == null) {
        ticket.settle(response == null ? null : response.responseModel(), -1, -1, -1, -1, -1);
      } else {
        ticket.settle(
            response.responseModel(),
            orMinusOne(usage.inputTokens()),
            orMinusOne(usage.cacheReadInputTokens()),
            orMinusOne(usage.cacheCreationInputTokens()),
            orMinusOne(usage.outputTokens()),
            orMinusOne(usage.reasoningOutputTokens()));
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  private static long orMinusOne(Long v) {
    return v == null ? -1 : v;
  }
}
