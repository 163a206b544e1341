package dev.costtrace.cli.review;

import dev.costtrace.sink.report.CostReport;
import dev.costtrace.sink.report.CostReview;
import dev.costtrace.sink.report.CostReview.Period;
import dev.costtrace.sink.report.CostReview.Review;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The review for people: aligned text tables for a terminal ({@code --format table}), or Markdown
 * ({@code --format md}) for a wiki page or a ticket. Same sections in both: the period against the
 * one before, the conversations over the threshold, p95 movers, unpriced models, limit hits.
 */
public final class ReviewText {
  private final boolean markdown;
  private final StringBuilder out = new StringBuilder();

  private ReviewText(boolean markdown) {
    this.markdown = markdown;
  }

  public static String table(Review r) {
    return new ReviewText(false).render(r);
  }

  public static String markdown(Review r) {
    return new ReviewText(true).render(r);
  }

  private String render(Review r) {
    Period c = r.current();
    Period p = r.previous();
    heading("CostTrace review: " + ReviewHtml.range(c) + " against " + ReviewHtml.range(p));
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"", "this period", "previous", "change"});
    rows.add(row("spend", c.totalUsd(), p.totalUsd()));
    rows.add(row("of it infrastructure", c.infraUsd(), p.infraUsd()));
    rows.add(
        new String[] {
          "conversations",
          Long.toString(c.conversations()),
          Long.toString(p.conversations()),
          change(BigDecimal.valueOf(c.conversations()), BigDecimal.valueOf(p.conversations()))
        });
    rows.add(row("p50 per conversation", c.p50Usd(), p.p50Usd()));
    rows.add(row("p95 per conversation", c.p95Usd(), p.p95Usd()));
    rows.add(row("p99 per conversation", c.p99Usd(), p.p99Usd()));
    rows.add(row("max per conversation", c.maxUsd(), p.maxUsd()));
    rows.add(
        new String[] {
          "top 5 % share of spend", percent(c.top5pctShare()), percent(p.top5pctShare()), ""
        });
    rows.add(
        new String[] {
          "over " + CostReport.usd(r.thresholdUsd()),
          Long.toString(c.overThreshold()),
          Long.toString(p.overThreshold()),
          ""
        });
    rows.add(row("spend without a conversation", c.unattributedUsd(), p.unattributedUsd()));
    table(rows);

    heading(
        "Conversations over " + CostReport.usd(r.thresholdUsd()) + " (" + c.overThreshold() + ")");
    if (r.overThreshold().isEmpty()) {
      line("none");
    } else {
      List<String[]> over = new ArrayList<>();
      over.add(
          new String[] {"conversation", "tenant", "user", "feature", "turns", "cost", "models"});
      for (CostReview.Expensive e : r.overThreshold()) {
        over.add(
            new String[] {
              markdown ? "[" + e.conversationId() + "](" + e.link() + ")" : e.conversationId(),
              e.tenantId(),
              e.userId(),
              e.feature(),
              Long.toString(e.turns()),
              CostReport.usd(e.costUsd()),
              String.join(", ", e.models())
            });
      }
      table(over);
      if (!markdown) {
        line(
            "detail: "
                + r.overThreshold()
                    .get(0)
                    .link()
                    .replaceFirst("var-conversation=[^&]*", "var-conversation=<id>"));
      }
    }
    movers("Features whose p95 moved most", r.features());
    movers("Models whose p95 moved most", r.models());

    heading("Unpriced models");
    if (r.unpriced().isEmpty()) {
      line("none: every call had a price");
    } else {
      List<String[]> u = new ArrayList<>();
      u.add(new String[] {"model", "provider", "status", "calls", "reason"});
      r.unpriced()
          .forEach(
              x ->
                  u.add(
                      new String[] {
                        x.model(), x.provider(), x.status(), Long.toString(x.calls()), x.reason()
                      }));
      table(u);
    }
    heading("Limit hits");
    if (r.limitHits() == null) {
      line("budgets are not installed on this database");
    } else if (r.limitHits().isEmpty()) {
      line("none");
    } else {
      List<String[]> h = new ArrayList<>();
      h.add(new String[] {"limit", "action", "hits", "conversations"});
      r.limitHits()
          .forEach(
              x ->
                  h.add(
                      new String[] {
                        x.limit(),
                        x.action(),
                        Long.toString(x.hits()),
                        Long.toString(x.conversations())
                      }));
      table(h);
    }
    return out.toString();
  }

  private void movers(String title, List<CostReview.Mover> movers) {
    heading(title);
    if (movers.isEmpty()) {
      line("none in both periods");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"name", "p95 now", "p95 before", "change", "conversations"});
    for (CostReview.Mover m : movers) {
      rows.add(
          new String[] {
            m.name(),
            CostReport.usd(m.p95NowUsd()),
            CostReport.usd(m.p95BeforeUsd()),
            signedPercent(m.change()),
            m.conversationsNow() + " (" + m.conversationsBefore() + ")"
          });
    }
    table(rows);
  }

  private static String[] row(String name, BigDecimal now, BigDecimal before) {
    return new String[] {name, CostReport.usd(now), CostReport.usd(before), change(now, before)};
  }

  static String change(BigDecimal now, BigDecimal before) {
    if (before.signum() == 0) {
      return now.signum() == 0 ? "" : "new";
    }
    return signedPercent(now.subtract(before).divide(before, 4, RoundingMode.HALF_EVEN));
  }

  static String signedPercent(BigDecimal ratio) {
    return String.format(Locale.ROOT, "%+.1f%%", ratio.movePointRight(2));
  }

  static String percent(BigDecimal ratio) {
    return String.format(Locale.ROOT, "%.1f%%", ratio.movePointRight(2));
  }

  private void heading(String text) {
    if (out.length() > 0) {
      out.append('\n');
    }
    out.append(markdown ? "## " + text : text).append('\n');
    if (!markdown) {
      out.append("-".repeat(text.length())).append('\n');
    } else {
      out.append('\n');
    }
  }

  private void line(String text) {
    out.append(text).append('\n');
  }

  private void table(List<String[]> rows) {
    if (markdown) {
      for (int i = 0; i < rows.size(); i++) {
        out.append("| ").append(String.join(" | ", escape(rows.get(i)))).append(" |\n");
        if (i == 0) {
          out.append("|").append(" --- |".repeat(rows.get(0).length)).append('\n');
        }
      }
      return;
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        b.append(
            i == 0
                ? String.format("%-" + widths[i] + "s", row[i])
                : String.format("  %" + widths[i] + "s", row[i]));
      }
      out.append(b.toString().stripTrailing()).append('\n');
    }
  }

  private static String[] escape(String[] cells) {
    String[] out = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      out[i] = cells[i].replace("|", "\\|");
    }
    return out;
  }
}
