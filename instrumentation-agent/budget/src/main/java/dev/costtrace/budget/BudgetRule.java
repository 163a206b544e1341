package dev.costtrace.budget;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits that apply to one scope (any, or a tenant, feature or service, or a combination): each
 * limit is optional ({@code null}: none). Immutable; build with {@link #builder()}; a scoped rule's
 * unset fields are taken from the global one ({@link #inheriting}).
 */
public final class BudgetRule {
  /** The action when none is set: the contract says block. */
  public static final BudgetAction DEFAULT_ACTION = BudgetAction.BLOCK;

  private final String tenant;
  private final String feature;
  private final String service;
  private final BigDecimal warnUsd;
  private final BigDecimal capUsd;
  private final Long maxLlmCalls;
  private final Long callMaxTokens;
  private final BudgetAction action;
  private final Map<String, String> downgrade;
  // Cached picodollar forms: the hot path compares longs.
  final long warnPico;
  final long capPico;

  private BudgetRule(Builder b) {
    this.tenant = b.tenant;
    this.feature = b.feature;
    this.service = b.service;
    this.warnUsd = b.warnUsd;
    this.capUsd = b.capUsd;
    this.maxLlmCalls = b.maxLlmCalls;
    this.callMaxTokens = b.callMaxTokens;
    this.action = b.action;
    this.downgrade = Collections.unmodifiableMap(new LinkedHashMap<>(b.downgrade));
    this.warnPico = warnUsd == null ? -1 : Money.toPico(warnUsd);
    this.capPico = capUsd == null ? -1 : Money.toPico(capUsd);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Tenant this rule is scoped to, or null for any. */
  public String tenant() {
    return tenant;
  }

  public String feature() {
    return feature;
  }

  public String service() {
    return service;
  }

  public BigDecimal warnUsd() {
    return warnUsd;
  }

  public BigDecimal capUsd() {
    return capUsd;
  }

  public Long maxLlmCalls() {
    return maxLlmCalls;
  }

  public Long callMaxTokens() {
    return callMaxTokens;
  }

  /** Never null: {@link #DEFAULT_ACTION} when not set. */
  public BudgetAction action() {
    return action == null ? DEFAULT_ACTION : action;
  }

  /** Requested model → cheaper model, for {@link BudgetAction#DOWNGRADE}. */
  public Map<String, String> downgrade() {
    return downgrade;
  }

  /** True when the rule sets at least one limit. */
  public boolean hasLimits() {
    return warnUsd != null || capUsd != null || maxLlmCalls != null || callMaxTokens != null;
  }

  /** True when this rule tracks a conversation's spend or calls (not only a per-call limit). */
  boolean tracksConversation() {
    return warnUsd != null || capUsd != null || maxLlmCalls != null;
  }

  /** How many of tenant, feature and service this rule names; -1 when it does not match. */
  int specificity(String tenantId, String featureName, String serviceName) {
    int n = 0;
    if (tenant != null) {
      if (!tenant.equals(tenantId)) {
        return -1;
      }
      n++;
    }
    if (feature != null) {
      if (!feature.equals(featureName)) {
        return -1;
      }
      n++;
    }
    if (service != null) {
      if (!service.equals(serviceName)) {
        return -1;
      }
      n++;
    }
    return n;
  }

  /** This rule with every unset limit, action and downgrade map taken from {@code base}. */
  BudgetRule inheriting(BudgetRule base) {
    Builder b = builder().tenant(tenant).feature(feature).service(service);
    b.warnUsd(warnUsd != null ? warnUsd : base.warnUsd);
    b.capUsd(capUsd != null ? capUsd : base.capUsd);
    b.maxLlmCalls(maxLlmCalls != null ? maxLlmCalls : base.maxLlmCalls);
    b.callMaxTokens(callMaxTokens != null ? callMaxTokens : base.callMaxTokens);
    b.action(action != null ? action : base.action);
    b.downgrade(downgrade.isEmpty() ? base.downgrade : downgrade);
    return b.build();
  }

  @Override
  public String toString() {
    return "BudgetRule{tenant="
        + tenant
        + ", feature="
        + feature
        + ", service="
        + service
        + ", warnUsd="
        + warnUsd
        + ", capUsd="
        + capUsd
        + ", maxLlmCalls="
        + maxLlmCalls
        + ", callMaxTokens="
        + callMaxTokens
        + ", action="
        + action()
        + ", downgrade="
        + downgrade
        + '}';
  }

  /** Every field optional. */
  public static final class Builder {
    private String tenant;
    private String feature;
    private String service;
    private BigDecimal warnUsd;
    private BigDecimal capUsd;
    private Long maxLlmCalls;
    private Long callMaxTokens;
    private BudgetAction action;
    private final Map<String, String> downgrade = new LinkedHashMap<>();

    private Builder() {}

    public Builder tenant(String v) {
      this.tenant = v;
      return this;
    }

    public Builder feature(String v) {
      this.feature = v;
      return this;
    }

    public Builder service(String v) {
      this.service = v;
      return this;
    }

    public Builder warnUsd(BigDecimal v) {
      this.warnUsd = v;
      return this;
    }

    public Builder capUsd(BigDecimal v) {
      this.capUsd = v;
      return this;
    }

    public Builder maxLlmCalls(Long v) {
      if (v != null && v < 0) {
        throw new IllegalArgumentException("maxLlmCalls must not be negative");
      }
      this.maxLlmCalls = v;
      return this;
    }

    public Builder callMaxTokens(Long v) {
      if (v != null && v < 0) {
        throw new IllegalArgumentException("callMaxTokens must not be negative");
      }
      this.callMaxTokens = v;
      return this;
    }

    public Builder action(BudgetAction v) {
      this.action = v;
      return this;
    }

    public Builder downgrade(Map<String, String> v) {
      this.downgrade.clear();
      this.downgrade.putAll(v);
      return this;
    }

    public BudgetRule build() {
      return new BudgetRule(this);
    }
  }
}
