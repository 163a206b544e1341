package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.cli.review.ReviewHtml;
import dev.costtrace.testing.HeadlessChromium;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code costtrace review --format html} opened in headless Chromium (Debian's, installed on first
 * use): the DOM the browser built has the figures, the three charts with one mark per data point,
 * and the markup-laden conversation ID as text; the screenshot is not blank and shows each chart's
 * colour. The file needs nothing else: no script, no stylesheet or image from elsewhere.
 */
class ReviewHtmlBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static ReviewData data;
  static JsonNode review;
  static Path html;

  @TempDir static Path dir;

  @BeforeAll
  static void render() throws Exception {
    data = new ReviewData();
    data.useForCli();
    String[] args = {"--until", data.until.toString(), "--threshold-usd", "0.1"};
    review = JSON.readTree(CliRun.ok(concat(args, "--format", "json")));
    html = dir.resolve("review.html");
    CliRun.ok(concat(args, "--format", "html", "--out", html.toString()));
  }

  @AfterAll
  static void clear() {
    ReviewData.clearCli();
  }

  static String[] concat(String[] args, String... more) {
    String[] out = new String[args.length + more.length + 1];
    out[0] = "review";
    System.arraycopy(args, 0, out, 1, args.length);
    System.arraycopy(more, 0, out, args.length + 1, more.length);
    return out;
  }

  static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void theFileIsSelfContained() throws Exception {
    String page = Files.readString(html);
    assertThat(page)
        .startsWith("<!DOCTYPE html>")
        .doesNotContain("<script", "<link", "<img", "@import", "url(");
    assertThat(count(page, "<svg ")).isEqualTo(3);
  }

  @Test
  void theBrowsersDomHasTheFiguresAndOneMarkPerDataPoint() {
    String dom = HeadlessChromium.dumpDom(html);
    assertThat(dom)
        .contains(
            "CostTrace review",
            "This period against the one before",
            "p95 per conversation",
            "Cumulative share of spend",
            "Spend per day",
            "Unpriced models",
            ReviewData.UNKNOWN_MODEL);
    assertThat(count(dom, "<rect class=\"bar\"")).isEqualTo(review.get("histogram").size());
    assertThat(count(dom, "<rect class=\"day (current|previous)\""))
        .isEqualTo(review.get("daily").size());
    assertThat(count(dom, "<rect class=\"day previous\"")).isPositive();
    assertThat(dom).contains("data-points=\"100\"");
    long conversations = 0;
    Matcher m = Pattern.compile("data-conversations=\"(\\d+)\"").matcher(dom);
    while (m.find()) {
      conversations += Long.parseLong(m.group(1));
    }
    assertThat(conversations).isEqualTo(review.get("conversations").asLong());
    // The markup in a conversation ID is text in the table, never elements.
    assertThat(dom)
        .contains("conv-&lt;b&gt;bold&lt;/b&gt;&amp;\"q\"")
        .doesNotContain("<b>bold</b>");
    assertThat(count(dom, "<tr>")).isGreaterThan(review.get("over_threshold").size());
  }

  @Test
  void theScreenshotShowsTheCharts() throws Exception {
    BufferedImage image =
        ImageIO.read(new ByteArrayInputStream(HeadlessChromium.screenshot(html, 1000, 2600)));
    assertThat(image.getWidth()).isEqualTo(1000);
    long white = 0;
    long histogram = 0;
    long curve = 0;
    long current = 0;
    long previous = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        white += rgb == 0xffffff ? 1 : 0;
        histogram += near(rgb, ReviewHtml.HISTOGRAM_COLOUR) ? 1 : 0;
        curve += near(rgb, ReviewHtml.CURVE_COLOUR) ? 1 : 0;
        current += near(rgb, ReviewHtml.CURRENT_DAY_COLOUR) ? 1 : 0;
        previous += near(rgb, ReviewHtml.PREVIOUS_DAY_COLOUR) ? 1 : 0;
      }
    }
    long pixels = (long) image.getWidth() * image.getHeight();
    assertThat(pixels - white).as("not blank").isGreaterThan(pixels / 50);
    assertThat(histogram).as("histogram bars").isGreaterThan(2_000);
    assertThat(curve).as("cumulative curve").isGreaterThan(1_000);
    // The day bars' areas depend on the hour the test runs (the data's hours straddle midnight or
    // not, splitting a period's spend over one or two bars); the DOM test counts the bars exactly,
    // so here only that each colour is drawn at all, well above anti-aliasing noise.
    assertThat(current).as("this period's days").isGreaterThan(100);
    assertThat(previous).as("the previous period's days").isGreaterThan(100);
  }

  /** Within a few levels per channel of a #rrggbb colour (the browser may blend edges). */
  static boolean near(int rgb, String hex) {
    int want = Integer.parseInt(hex.substring(1), 16);
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs(((rgb >> shift) & 0xff) - ((want >> shift) & 0xff)) > 6) {
        return false;
      }
    }
    return true;
  }
}
