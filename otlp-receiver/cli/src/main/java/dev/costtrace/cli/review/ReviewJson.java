package dev.costtrace.cli.review;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.sink.report.CostReport;
import dev.costtrace.sink.report.CostReview;
import dev.costtrace.sink.report.CostReview.Period;
import dev.costtrace.sink.report.CostReview.Review;
import java.math.BigDecimal;

/**
 * The review as one JSON document: the period's figures at the top level ({@code total_usd}, {@code
 * conversations}, {@code p50_usd} … {@code max_usd}, {@code top_5pct_share}, {@code
 * over_threshold}), the same figures for the period before under {@code previous}, then movers,
 * unpriced models, limit hits and the chart data. Money is a decimal string; shares are numbers
 * between 0 and 1.
 */
public final class ReviewJson {
  private ReviewJson() {}

  public static ObjectNode of(Review r) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    period(o, r.current());
    o.put("threshold_usd", usd(r.thresholdUsd()));
    o.put("over_threshold_count", r.current().overThreshold());
    ArrayNode over = o.putArray("over_threshold");
    for (CostReview.Expensive e : r.overThreshold()) {
      ObjectNode x = over.addObject();
      x.put("conversation_id", e.conversationId());
      x.put("tenant_id", e.tenantId());
      x.put("user_id", e.userId());
      x.put("feature", e.feature());
      x.put("turns", e.turns());
      ArrayNode models = x.putArray("models");
      e.models().forEach(models::add);
      x.put("total_usd", usd(e.costUsd()));
      x.put("link", e.link());
    }
    ObjectNode previous = o.putObject("previous");
    period(previous, r.previous());
    previous.put("over_threshold_count", r.previous().overThreshold());
    ObjectNode movers = o.putObject("p95_movers");
    movers(movers.putArray("features"), r.features());
    movers(movers.putArray("models"), r.models());
    ArrayNode unpriced = o.putArray("unpriced_models");
    for (CostReview.Unpriced u : r.unpriced()) {
      unpriced
          .addObject()
          .put("model", u.model())
          .put("provider", u.provider())
          .put("pricing_status", u.status())
          .put("calls", u.calls())
          .put("reason", u.reason());
    }
    if (r.limitHits() == null) {
      o.putNull("limit_hits");
    } else {
      ArrayNode hits = o.putArray("limit_hits");
      r.limitHits()
          .forEach(
              h ->
                  hits.addObject()
                      .put("limit", h.limit())
                      .put("action", h.action())
                      .put("hits", h.hits())
                      .put("conversations", h.conversations()));
    }
    ArrayNode histogram = o.putArray("histogram");
    for (CostReview.Bucket b : r.histogram()) {
      histogram
          .addObject()
          .put("low_usd", usd(b.lowUsd()))
          .put("high_usd", usd(b.highUsd()))
          .put("conversations", b.conversations());
    }
    ArrayNode cumulative = o.putArray("cumulative_share");
    r.cumulative()
        .forEach(
            p ->
                cumulative
                    .addObject()
                    .put("conversations_share", p.conversationsShare())
                    .put("spend_share", p.spendShare()));
    ArrayNode days = o.putArray("daily");
    r.days()
        .forEach(
            d ->
                days.addObject()
                    .put("day", d.day().toString())
                    .put("total_usd", usd(d.usd()))
                    .put("period", d.current() ? "current" : "previous"));
    return o;
  }

  private static void period(ObjectNode o, Period p) {
    o.put("from", p.from().toString());
    o.put("to", p.to().toString());
    o.put("total_usd", usd(p.totalUsd()));
    o.put("infra_usd", usd(p.infraUsd()));
    o.put("unattributed_usd", usd(p.unattributedUsd()));
    o.put("conversations", p.conversations());
    o.put("p50_usd", usd(p.p50Usd()));
    o.put("p95_usd", usd(p.p95Usd()));
    o.put("p99_usd", usd(p.p99Usd()));
    o.put("max_usd", usd(p.maxUsd()));
    o.put("top_5pct_share", p.top5pctShare());
  }

  private static void movers(ArrayNode out, java.util.List<CostReview.Mover> movers) {
    for (CostReview.Mover m : movers) {
      out.addObject()
          .put("name", m.name())
          .put("p95_usd", usd(m.p95NowUsd()))
          .put("previous_p95_usd", usd(m.p95BeforeUsd()))
          .put("change", m.change())
          .put("conversations", m.conversationsNow())
          .put("previous_conversations", m.conversationsBefore());
    }
  }

  /** Exact USD as a decimal string without trailing zeros. */
  static String usd(BigDecimal v) {
    return CostReport.exact(v);
  }
}
