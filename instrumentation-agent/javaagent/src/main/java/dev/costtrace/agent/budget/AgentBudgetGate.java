package dev.costtrace.agent.budget;

import dev.costtrace.agent.attribution.AttributionSettings;
import dev.costtrace.budget.BudgetEngine;
import dev.costtrace.budget.api.BudgetRemaining;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetGate;
import dev.costtrace.budget.api.internal.BudgetTicket;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadableSpan;

/**
 * The engine as the instrumentation sees it: fills in each call's conversation, tenant and feature
 * the way attribution resolved them on its span (baggage, parent, inbound header, then the
 * request's own conversation), or, for an untraced call, from the context's baggage and the nearest
 * recorded span; then asks the {@link BudgetEngine}. Contains its failures (an admission that fails
 * is no admission: the call proceeds).
 */
final class AgentBudgetGate implements BudgetGate {
  private final BudgetEngine engine;
  private final AttributeKey<String> conversationAttribute;
  private final AttributeKey<String> tenantAttribute;
  private final AttributeKey<String> featureAttribute;
  private final String conversationBaggage;
  private final String tenantBaggage;
  private final String featureBaggage;

  AgentBudgetGate(BudgetEngine engine, AttributionSettings attribution) {
    this.engine = engine;
    this.conversationAttribute = attribution.conversation().spanAttribute();
    this.tenantAttribute = attribution.tenant().spanAttribute();
    this.featureAttribute = attribution.feature().spanAttribute();
    this.conversationBaggage = attribution.conversation().baggageKey();
    this.tenantBaggage = attribution.tenant().baggageKey();
    this.featureBaggage = attribution.feature().baggageKey();
  }

  BudgetEngine engine() {
    return engine;
  }

  @Override
  public BudgetTicket admit(BudgetCall call) {
    try {
      ReadableSpan span = readable(call.span);
      if (span == null && call.context instanceof Context) {
        span = readable(Span.fromContextOrNull((Context) call.context));
      }
      Baggage baggage =
          call.context instanceof Context
              ? Baggage.fromContext((Context) call.context)
              : Baggage.empty();
      call.conversationId =
          first(span, conversationAttribute, baggage, conversationBaggage, call.conversationId);
      call.tenantId = first(span, tenantAttribute, baggage, tenantBaggage, null);
      call.feature = first(span, featureAttribute, baggage, featureBaggage, null);
      return engine.admit(call);
    } catch (RuntimeException e) {
      AgentBudgets.debug(e);
      return null;
    }
  }

  @Override
  public BudgetRemaining remaining(String conversationId) {
    return engine.remaining(conversationId);
  }

  private static ReadableSpan readable(Object span) {
    return span instanceof ReadableSpan && ((Span) span).getSpanContext().isValid()
        ? (ReadableSpan) span
        : null;
  }

  /** The span's resolved value (attribution already applied baggage and headers), else baggage. */
  private static String first(
      ReadableSpan span,
      AttributeKey<String> attribute,
      Baggage baggage,
      String baggageKey,
      String dflt) {
    if (span != null) {
      String v = span.getAttribute(attribute);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    String b = baggage.getEntryValue(baggageKey);
    if (b != null && !b.trim().isEmpty()) {
      return b.trim();
    }
    return dflt;
  }
}
