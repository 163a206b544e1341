package dev.costtrace.cli.review;

import dev.costtrace.sink.report.CostReport;
import dev.costtrace.sink.report.CostReview;
import dev.costtrace.sink.report.CostReview.Period;
import dev.costtrace.sink.report.CostReview.Review;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The review as one self-contained HTML file (no script, no external file: CSS and SVG inline), to
 * mail or attach: the figures against the period before, three charts — conversations by cost in
 * quarter-decade log buckets, the cumulative share of spend against the share of conversations
 * (most expensive first), spend per day (this period and the one before) — and the tables of the
 * text review. Every value from the data is HTML-escaped.
 */
public final class ReviewHtml {
  /** Chart colours; the headless-browser test looks for them in the screenshot. */
  public static final String HISTOGRAM_COLOUR = "#2f6fde";

  public static final String CURVE_COLOUR = "#e8590c";
  public static final String CURRENT_DAY_COLOUR = "#2b8a3e";
  public static final String PREVIOUS_DAY_COLOUR = "#adb5bd";
  private static final DateTimeFormatter MINUTE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final int W = 720;
  private static final int H = 260;
  private static final int LEFT = 56;
  private static final int BOTTOM = 48;
  private static final int TOP = 16;
  private static final int RIGHT = 16;

  private final StringBuilder out = new StringBuilder(32 * 1024);

  private ReviewHtml() {}

  /** A period as people read it: "2026-11-29 00:00 UTC – 2026-12-06 00:00 UTC". */
  static String range(Period p) {
    return MINUTE.format(p.from()) + " – " + MINUTE.format(p.to());
  }

  public static String of(Review r) {
    return new ReviewHtml().render(r);
  }

  private String render(Review r) {
    Period c = r.current();
    Period p = r.previous();
    out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>CostTrace review ")
        .append(esc(range(c)))
        .append("</title>\n<style>")
        .append(
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:960px;color:#212529;background:#fff}")
        .append(
            "h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}")
        .append(
            "td,th{padding:4px 10px;border-bottom:1px solid #dee2e6;text-align:right}td:first-child,th:first-child{text-align:left}")
        .append(
            ".up{color:#c92a2a}.down{color:#2b8a3e}svg text{font-size:11px;fill:#495057}.note{color:#868e96}")
        .append("</style></head><body>\n");
    out.append("<h1>CostTrace review</h1>\n<p>")
        .append(esc(range(c)))
        .append(" against ")
        .append(esc(range(p)))
        .append("</p>\n");

    out.append(
        "<h2>This period against the one before</h2>\n<table id=\"summary\"><tr><th></th><th>this period</th><th>previous</th><th>change</th></tr>\n");
    money("Spend", c.totalUsd(), p.totalUsd());
    money("Of it infrastructure", c.infraUsd(), p.infraUsd());
    summaryRow(
        "Conversations",
        Long.toString(c.conversations()),
        Long.toString(p.conversations()),
        ReviewText.change(
            BigDecimal.valueOf(c.conversations()), BigDecimal.valueOf(p.conversations())));
    money("p50 per conversation", c.p50Usd(), p.p50Usd());
    money("p95 per conversation", c.p95Usd(), p.p95Usd());
    money("p99 per conversation", c.p99Usd(), p.p99Usd());
    money("Max per conversation", c.maxUsd(), p.maxUsd());
    summaryRow(
        "Top 5 % share of spend",
        ReviewText.percent(c.top5pctShare()), ReviewText.percent(p.top5pctShare()), "");
    summaryRow(
        "Over " + CostReport.usd(r.thresholdUsd()),
        Long.toString(c.overThreshold()),
        Long.toString(p.overThreshold()),
        "");
    money("Spend without a conversation", c.unattributedUsd(), p.unattributedUsd());
    out.append("</table>\n");

    out.append("<h2>Conversations by cost (log buckets)</h2>\n");
    histogram(r.histogram());
    out.append(
            "<h2>Cumulative share of spend</h2>\n<p class=\"note\">Conversations from the most expensive"
                + " down: the top 5 % spent ")
        .append(ReviewText.percent(c.top5pctShare()))
        .append(" of it.</p>\n");
    cumulative(r.cumulative());
    out.append("<h2>Spend per day</h2>\n");
    days(r.days());

    out.append("<h2>Conversations over ")
        .append(esc(CostReport.usd(r.thresholdUsd())))
        .append(" (")
        .append(c.overThreshold())
        .append(")</h2>\n");
    if (r.overThreshold().isEmpty()) {
      out.append("<p>None.</p>\n");
    } else {
      out.append(
          "<table id=\"over-threshold\"><tr><th>conversation</th><th>tenant</th><th>user</th><th>feature</th><th>turns</th><th>cost</th><th>models</th></tr>\n");
      for (CostReview.Expensive e : r.overThreshold()) {
        out.append("<tr><td><a href=\"")
            .append(esc(e.link()))
            .append("\">")
            .append(esc(e.conversationId()))
            .append("</a></td><td>")
            .append(esc(e.tenantId()))
            .append("</td><td>")
            .append(esc(e.userId()))
            .append("</td><td>")
            .append(esc(e.feature()))
            .append("</td><td>")
            .append(e.turns())
            .append("</td><td>")
            .append(esc(CostReport.usd(e.costUsd())))
            .append("</td><td>")
            .append(esc(String.join(", ", e.models())))
            .append("</td></tr>\n");
      }
      out.append("</table>\n");
    }
    movers("Features whose p95 moved most", "movers-features", r.features());
    movers("Models whose p95 moved most", "movers-models", r.models());
    out.append("<h2>Unpriced models</h2>\n");
    if (r.unpriced().isEmpty()) {
      out.append("<p>None: every call had a price.</p>\n");
    } else {
      out.append(
          "<table id=\"unpriced\"><tr><th>model</th><th>provider</th><th>status</th><th>calls</th><th>reason</th></tr>\n");
      for (CostReview.Unpriced u : r.unpriced()) {
        out.append("<tr><td>")
            .append(esc(u.model()))
            .append("</td><td>")
            .append(esc(u.provider()))
            .append("</td><td>")
            .append(esc(u.status()))
            .append("</td><td>")
            .append(u.calls())
            .append("</td><td>")
            .append(esc(u.reason()))
            .append("</td></tr>\n");
      }
      out.append("</table>\n");
    }
    out.append("<h2>Limit hits</h2>\n");
    if (r.limitHits() == null) {
      out.append("<p class=\"note\">Budgets are not installed on this database.</p>\n");
    } else if (r.limitHits().isEmpty()) {
      out.append("<p>None.</p>\n");
    } else {
      out.append(
          "<table id=\"limit-hits\"><tr><th>limit</th><th>action</th><th>hits</th><th>conversations</th></tr>\n");
      r.limitHits()
          .forEach(
              h ->
                  out.append("<tr><td>")
                      .append(esc(h.limit()))
                      .append("</td><td>")
                      .append(esc(h.action()))
                      .append("</td><td>")
                      .append(h.hits())
                      .append("</td><td>")
                      .append(h.conversations())
                      .append("</td></tr>\n"));
      out.append("</table>\n");
    }
    out.append("</body></html>\n");
    return out.toString();
  }

  private void money(String name, BigDecimal now, BigDecimal before) {
    summaryRow(name, CostReport.usd(now), CostReport.usd(before), ReviewText.change(now, before));
  }

  private void summaryRow(String name, String now, String before, String change) {
    String css =
        change.startsWith("+") ? " class=\"up\"" : change.startsWith("-") ? " class=\"down\"" : "";
    out.append("<tr><td>")
        .append(esc(name))
        .append("</td><td>")
        .append(esc(now))
        .append("</td><td>")
        .append(esc(before))
        .append("</td><td")
        .append(css)
        .append('>')
        .append(esc(change))
        .append("</td></tr>\n");
  }

  private void movers(String title, String id, List<CostReview.Mover> movers) {
    out.append("<h2>").append(esc(title)).append("</h2>\n");
    if (movers.isEmpty()) {
      out.append("<p class=\"note\">None in both periods.</p>\n");
      return;
    }
    out.append("<table id=\"")
        .append(id)
        .append(
            "\"><tr><th>name</th><th>p95 now</th><th>p95 before</th><th>change</th><th>conversations</th></tr>\n");
    for (CostReview.Mover m : movers) {
      String change = ReviewText.signedPercent(m.change());
      out.append("<tr><td>")
          .append(esc(m.name()))
          .append("</td><td>")
          .append(esc(CostReport.usd(m.p95NowUsd())))
          .append("</td><td>")
          .append(esc(CostReport.usd(m.p95BeforeUsd())))
          .append("</td><td class=\"")
          .append(change.startsWith("+") ? "up" : "down")
          .append("\">")
          .append(change)
          .append("</td><td>")
          .append(m.conversationsNow())
          .append(" (")
          .append(m.conversationsBefore())
          .append(")</td></tr>\n");
    }
    out.append("</table>\n");
  }

  private void svgOpen(String id, String label) {
    out.append("<svg id=\"")
        .append(id)
        .append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H)
        .append("\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(H)
        .append("\" role=\"img\" aria-label=\"")
        .append(esc(label))
        .append("\">\n")
        .append("<line x1=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(H - BOTTOM)
        .append("\" x2=\"")
        .append(W - RIGHT)
        .append("\" y2=\"")
        .append(H - BOTTOM)
        .append("\" stroke=\"#495057\"/>\n")
        .append("<line x1=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(TOP)
        .append("\" x2=\"")
        .append(LEFT)
        .append("\" y2=\"")
        .append(H - BOTTOM)
        .append("\" stroke=\"#495057\"/>\n");
  }

  private void yLabel(double fraction, String text) {
    double y = H - BOTTOM - fraction * (H - BOTTOM - TOP);
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            LEFT - 6,
            y + 4,
            esc(text)));
  }

  private void histogram(List<CostReview.Bucket> buckets) {
    svgOpen("histogram", "Conversations by cost, quarter-decade log buckets");
    long max = buckets.stream().mapToLong(CostReview.Bucket::conversations).max().orElse(0);
    double slot = buckets.isEmpty() ? 0 : (W - LEFT - RIGHT) / (double) buckets.size();
    for (int i = 0; i < buckets.size(); i++) {
      CostReview.Bucket b = buckets.get(i);
      double h = max == 0 ? 0 : b.conversations() * (H - BOTTOM - TOP) / (double) max;
      double x = LEFT + i * slot;
      String label = b.noCost() ? "no cost" : CostReport.usd(b.lowUsd());
      out.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"bar\" data-conversations=\"%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>\n",
              b.conversations(),
              x + slot * 0.1,
              H - BOTTOM - h,
              slot * 0.8,
              h,
              HISTOGRAM_COLOUR,
              esc(
                  (b.noCost()
                          ? "no cost"
                          : CostReport.usd(b.lowUsd()) + " – " + CostReport.usd(b.highUsd()))
                      + ": "
                      + b.conversations()
                      + " conversations")));
      if (buckets.size() <= 16 || i % 2 == 0) {
        out.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                x + slot / 2,
                H - BOTTOM + 14,
                esc(label)));
      }
    }
    yLabel(1, Long.toString(max));
    yLabel(0, "0");
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">cost per conversation (bucket start), conversations per bucket</text>\n",
            (W + LEFT) / 2,
            H - 8));
    out.append("</svg>\n");
  }

  private void cumulative(List<CostReview.SharePoint> points) {
    svgOpen("cumulative", "Cumulative share of spend against share of conversations");
    double w = W - LEFT - RIGHT;
    double h = H - BOTTOM - TOP;
    out.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ced4da\" stroke-dasharray=\"4 4\"/>\n",
            LEFT,
            H - BOTTOM,
            W - RIGHT,
            TOP));
    StringBuilder path = new StringBuilder().append(LEFT).append(',').append(H - BOTTOM);
    for (CostReview.SharePoint p : points) {
      path.append(
          String.format(
              Locale.ROOT,
              " %.1f,%.1f",
              LEFT + p.conversationsShare().doubleValue() * w,
              H - BOTTOM - p.spendShare().doubleValue() * h));
    }
    out.append("<polyline id=\"curve\" data-points=\"")
        .append(points.size())
        .append("\" points=\"")
        .append(path)
        .append("\" fill=\"none\" stroke=\"")
        .append(CURVE_COLOUR)
        .append("\" stroke-width=\"4\"/>\n");
    for (int pct = 0; pct <= 100; pct += 25) {
      out.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d %%</text>\n",
              LEFT + pct / 100.0 * w,
              H - BOTTOM + 14,
              pct));
      yLabel(pct / 100.0, pct + " %");
    }
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">share of conversations, most expensive first → share of spend</text>\n",
            (W + LEFT) / 2,
            H - 8));
    out.append("</svg>\n");
  }

  private void days(List<CostReview.Day> days) {
    svgOpen("days", "Spend per day, this period and the one before");
    BigDecimal max =
        days.stream().map(CostReview.Day::usd).max(BigDecimal::compareTo).orElse(BigDecimal.ZERO);
    double slot = days.isEmpty() ? 0 : (W - LEFT - RIGHT) / (double) days.size();
    for (int i = 0; i < days.size(); i++) {
      CostReview.Day d = days.get(i);
      double h =
          max.signum() == 0 ? 0 : d.usd().doubleValue() / max.doubleValue() * (H - BOTTOM - TOP);
      double x = LEFT + i * slot;
      out.append(
          String.format(
              Locale.ROOT,
              "<rect class=\"day %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>\n",
              d.current() ? "current" : "previous",
              x + slot * 0.1,
              H - BOTTOM - h,
              slot * 0.8,
              h,
              d.current() ? CURRENT_DAY_COLOUR : PREVIOUS_DAY_COLOUR,
              esc(
                  d.day()
                      + (d.current() ? "" : " (period before)")
                      + ": "
                      + CostReport.usd(d.usd()))));
      if (days.size() <= 16 || i % 2 == 0) {
        out.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                x + slot / 2,
                H - BOTTOM + 14,
                d.day().toString().substring(5)));
      }
    }
    yLabel(1, CostReport.usd(max));
    yLabel(0, "$0");
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">UTC day (grey: the period before), spend</text>\n",
            (W + LEFT) / 2,
            H - 8));
    out.append("</svg>\n");
  }

  /** HTML-escapes text for element content and attribute values. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(ch);
      }
    }
    return b.toString();
  }
}
