package dev.costtrace.pricing.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.catalog.Corrections.Correction;
import dev.costtrace.pricing.catalog.PriceCatalogSource;
import dev.costtrace.pricing.oracle.OracleCases.OracleCase;
import dev.costtrace.pricing.oracle.ReferencePrices.Batch;
import dev.costtrace.pricing.oracle.ReferencePrices.Result;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The independent oracle: the reference implementation's {@code calcPrice} (the npm package this
 * catalog is generated from, installed by {@link ReferencePrices}) next to our {@link SpanPricer}
 * over every model the reference knows, in every spelling it lists, in several token mixes, at
 * dates on both sides of every price change. Every difference is zero or listed below with its
 * reason; a listed difference that stops being one fails the test.
 */
class ReferenceOracleTest {
  /** Our totals have 12 fractional digits; the reference's are doubles. */
  private static final BigDecimal ABSOLUTE = new BigDecimal("1e-11");

  private static final BigDecimal RELATIVE = new BigDecimal("1e-9");
  private static final Instant DEEPSEEK_V31 = Instant.parse("2025-09-05T00:00:00Z");

  /** The differences we keep on purpose: each with why, and which cases it covers. */
  private static final List<Listed> LISTED =
      List.of(
          new Listed(
              "Claude 1-hour cache writes where the entry lists no 1-hour price",
              "Anthropic bills 1-hour cache writes at twice the input rate, and Bedrock, Vertex AI,"
                  + " Azure and OpenRouter pass its multiplier on; the reference bills them at the"
                  + " 5-minute cache-write rate",
              o -> o.ours().reason().contains("at twice the input rate, Anthropic's multiplier")),
          correction("deepseek", "deepseek-chat", o -> !o.c().at().isBefore(DEEPSEEK_V31)),
          correction("deepseek", "deepseek-reasoner", o -> !o.c().at().isBefore(DEEPSEEK_V31)),
          correction("anthropic", "claude-sonnet-4-0", o -> o.c().usage().totalInput() > 200_000),
          correction("google", "gemini-1.5-pro", o -> o.c().usage().cacheRead() > 0),
          correction("x-ai", "grok-4-0709", o -> o.c().usage().totalInput() > 127_999),
          correction("x-ai", "grok-4-fast-reasoning", o -> o.c().usage().totalInput() > 127_999),
          correction(
              "x-ai", "grok-4-fast-non-reasoning", o -> o.c().usage().totalInput() > 127_999));

  private final SpanPricer pricer = SpanPricer.builder().build();

  @Test
  void everyModelOfTheReferenceAgreesOrDiffersAsListed() throws IOException {
    List<OracleCase> cases = OracleCases.all();
    Batch reference = ReferencePrices.calcPrice(cases.stream().map(OracleCase::reference).toList());
    Properties generated = generatedFrom();
    assertThat(reference.version())
        .as(
            "genai-prices.json was generated from another version than the one pinned: run"
                + " genai-prices/generate.mjs")
        .isEqualTo(generated.getProperty("version"));
    assertThat(reference.models()).isEqualTo(Integer.parseInt(generated.getProperty("models")));

    List<Outcome> outcomes = new ArrayList<>(cases.size());
    for (int i = 0; i < cases.size(); i++) {
      OracleCase c = cases.get(i);
      outcomes.add(new Outcome(c, pricer.price(c.span(), List.of()), reference.results().get(i)));
    }
    List<String> unlisted = new ArrayList<>();
    Map<Listed, Integer> covered = new LinkedHashMap<>();
    for (Outcome o : outcomes) {
      Listed listed = LISTED.stream().filter(l -> l.selects().test(o)).findFirst().orElse(null);
      if (listed != null) {
        covered.merge(listed, 1, Integer::sum);
        assertThat(o.differs())
            .as(
                "listed difference '%s' is no longer one for %s: remove or narrow it",
                listed.what(), o)
            .isTrue();
      } else if (o.differs()) {
        unlisted.add(o.toString());
      }
    }
    Report report = new Report(outcomes, covered);
    Files.writeString(Path.of("target", "reference-oracle.md"), report.markdown());
    System.out.println(report.markdown());

    assertThat(unlisted).as("differences from the reference that are not listed").isEmpty();
    for (Listed l : LISTED) {
      assertThat(covered.getOrDefault(l, 0))
          .as("listed difference '%s' covers no case", l.what())
          .isPositive();
    }
    assertThat(report.coverage())
        .as("share of the reference's priced models we price")
        .isGreaterThanOrEqualTo(0.99);
    assertThat(report.plainAgreement())
        .as("share of them on which we agree, plain mix")
        .isGreaterThanOrEqualTo(0.99);
  }

  /**
   * The next generation of a known model (claude-opus-4-8 → claude-opus-4-9, gpt-5.4 → gpt-5.5,
   * claude-sonnet-5 → claude-sonnet-5-1) is never priced by the entry of the one before it: it is
   * an unknown model unless the catalog has an entry for it. The reference is run on the same ids
   * to count how many it prices with the older generation's entry.
   */
  @Test
  void nextGenerationsOfKnownModelsAreNotPricedAsTheOlderOnes() throws IOException {
    List<OracleCase> known = OracleCases.all();
    Set<String> spellings = new HashSet<>(OracleCases.namedIds());
    known.forEach(c -> spellings.add(c.provider() + "/" + c.model()));
    List<OracleCase> older = new ArrayList<>();
    List<OracleCase> cases = new ArrayList<>();
    for (OracleCase c : known) {
      if (!c.mix().equals("plain") || !c.at().equals(OracleCases.BASE)) {
        continue;
      }
      for (String next : new String[] {nextVersion(c.model()), nextMinorVersion(c.model())}) {
        if (next != null && spellings.add(c.provider() + "/" + next)) {
          older.add(c);
          cases.add(new OracleCase(c.provider(), c.modelId(), next, c.mix(), c.at(), c.usage()));
        }
      }
    }
    List<ReferencePrices.Case> both = new ArrayList<>();
    cases.forEach(c -> both.add(c.reference()));
    older.forEach(c -> both.add(c.reference()));
    Batch reference = ReferencePrices.calcPrice(both);
    List<String> inherited = new ArrayList<>();
    List<String> referenceInherits = new ArrayList<>();
    int unknown = 0;
    for (int i = 0; i < cases.size(); i++) {
      OracleCase c = cases.get(i);
      String olderEntry = pricer.price(older.get(i).span(), List.of()).priceEntry();
      PricedSpan ours = pricer.price(c.span(), List.of());
      unknown += ours.status() == PricingStatus.UNKNOWN_MODEL ? 1 : 0;
      if (ours.status() != PricingStatus.UNKNOWN_MODEL && ours.priceEntry().equals(olderEntry)) {
        inherited.add(c.provider() + " " + c.model() + " priced as " + older.get(i).model());
      }
      Result r = reference.results().get(i);
      if (r.total() != null
          && r.entry().equals(reference.results().get(cases.size() + i).entry())) {
        referenceInherits.add(
            c.provider()
                + " "
                + c.model()
                + " priced as "
                + older.get(i).model()
                + " ("
                + r.entry()
                + "); ours: "
                + ours.status());
      }
    }
    String summary =
        "next generations of known models: "
            + cases.size()
            + " ids, "
            + unknown
            + " unknown to us; the reference prices "
            + referenceInherits.size()
            + " of them with the older"
            + " generation's entry, we "
            + inherited.size();
    Files.writeString(
        Path.of("target", "reference-oracle-next.txt"),
        summary
            + "\n\nours:\n"
            + String.join("\n", inherited)
            + "\n\nthe reference:\n"
            + String.join("\n", referenceInherits)
            + "\n");
    System.out.println(summary);
    assertThat(cases).hasSizeGreaterThan(100);
    assertThat(inherited).as(summary).isEmpty();
  }

  private static final Pattern SHORT_NUMBER = Pattern.compile("(?<=[-.a-z])[1-9]\\d?(?=$|[-.:@])");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  /**
   * The id with its last version number raised by one: a short number, not a date's part, not a
   * version tag ({@code -v1}, a re-release rather than a generation), not an API version ({@code
   * :0}). Null when it has none.
   */
  static String nextVersion(String id) {
    Matcher m = SHORT_NUMBER.matcher(id);
    int start = -1;
    int end = -1;
    while (m.find()) {
      if (id.charAt(m.start() - 1) != 'v' && !inDate(id, m.start())) {
        start = m.start();
        end = m.end();
      }
    }
    return start < 0
        ? null
        : id.substring(0, start)
            + (Integer.parseInt(id.substring(start, end)) + 1)
            + id.substring(end);
  }

  /**
   * The id with a minor version added to the version number it ends with ({@code claude-sonnet-5} →
   * {@code claude-sonnet-5-1}, {@code gemini-3.5} → {@code gemini-3.5.1}), or null.
   */
  static String nextMinorVersion(String id) {
    Matcher m = SHORT_NUMBER.matcher(id);
    while (m.find()) {
      if (m.end() == id.length() && id.charAt(m.start() - 1) != 'v' && !inDate(id, m.start())) {
        return id + (id.charAt(m.start() - 1) == '.' ? ".1" : "-1");
      }
    }
    return null;
  }

  private static boolean inDate(String id, int position) {
    Matcher d = DATE.matcher(id);
    while (d.find()) {
      if (position >= d.start() && position < d.end()) {
        return true;
      }
    }
    return false;
  }

  private static Properties generatedFrom() throws IOException {
    Properties p = new Properties();
    try (InputStream in =
        ReferenceOracleTest.class.getResourceAsStream(
            "/dev/costtrace/pricing/catalog/genai-prices.properties")) {
      p.load(in);
    }
    return p;
  }

  private static Listed correction(String provider, String model, Predicate<Outcome> when) {
    Correction c =
        PriceCatalogSource.bundledCorrections().entries().stream()
            .filter(e -> e.provider().equals(provider) && e.model().id().equals(model))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no correction " + provider + "/" + model));
    String entry = provider + "/" + model;
    return new Listed(
        "correction " + entry,
        c.reason() + " (" + c.source() + ")",
        o -> o.ours().priceEntry().equals(entry) && when.test(o));
  }

  /**
   * A difference we keep.
   *
   * @param what which difference
   * @param reason why ours differs
   * @param selects the cases it covers: every one of them must differ
   */
  record Listed(String what, String reason, Predicate<Outcome> selects) {}

  /** One case, priced by both. */
  record Outcome(OracleCase c, PricedSpan ours, Result reference) {
    boolean oursPriced() {
      return ours.status() != PricingStatus.UNKNOWN_MODEL;
    }

    boolean referencePriced() {
      return reference.total() != null;
    }

    boolean differs() {
      if (reference.error() != null || oursPriced() != referencePriced()) {
        return true;
      }
      if (!oursPriced()) {
        return false;
      }
      BigDecimal tolerance = ABSOLUTE.add(reference.total().abs().multiply(RELATIVE));
      return ours.total().subtract(reference.total()).abs().compareTo(tolerance) > 0;
    }

    @Override
    public String toString() {
      return c.provider()
          + " "
          + c.model()
          + " ["
          + c.mix()
          + " at "
          + c.at()
          + "]: ours "
          + ours.status()
          + " "
          + ours.total().stripTrailingZeros().toPlainString()
          + " ("
          + ours.reason()
          + "), reference "
          + (reference.error() != null
              ? "error " + reference.error()
              : reference.total() + " " + reference.entry());
    }
  }

  /** Coverage and agreement per provider, and the listed differences, as markdown. */
  static final class Report {
    private final Map<String, int[]> perProvider = new TreeMap<>();
    private final Map<Listed, Integer> covered;
    private final int cases;
    private final int agreeingCases;

    Report(List<Outcome> outcomes, Map<Listed, Integer> covered) {
      this.covered = covered;
      this.cases = outcomes.size();
      Map<String, boolean[]> models = new LinkedHashMap<>(); // priced by ref, ours, plain, all
      int agreeing = 0;
      for (Outcome o : outcomes) {
        agreeing += o.differs() ? 0 : 1;
        OracleCase c = o.c();
        if (!c.model().equals(c.modelId().toLowerCase(java.util.Locale.ROOT))) {
          continue;
        }
        boolean[] m =
            models.computeIfAbsent(
                c.provider() + "\u0001" + c.modelId(),
                k -> new boolean[] {false, false, true, true});
        if (c.mix().equals("plain") && c.at().equals(OracleCases.BASE)) {
          m[0] = o.referencePriced() && o.reference().total().signum() > 0;
          m[1] = o.oursPriced() && o.ours().total().signum() > 0;
        }
        if (o.differs()) {
          m[3] = false;
          if (c.mix().equals("plain")) {
            m[2] = false;
          }
        }
      }
      this.agreeingCases = agreeing;
      models.forEach(
          (key, m) -> {
            if (!m[0]) {
              return;
            }
            int[] row =
                perProvider.computeIfAbsent(
                    key.substring(0, key.indexOf('\u0001')), k -> new int[4]);
            row[0]++;
            row[1] += m[1] ? 1 : 0;
            row[2] += m[1] && m[2] ? 1 : 0;
            row[3] += m[1] && m[3] ? 1 : 0;
          });
    }

    private int total(int column) {
      return perProvider.values().stream().mapToInt(r -> r[column]).sum();
    }

    double coverage() {
      return (double) total(1) / total(0);
    }

    double plainAgreement() {
      return (double) total(2) / total(1);
    }

    String markdown() {
      StringBuilder sb = new StringBuilder();
      sb.append(
          "| provider | priced by the reference | priced by us | same total, plain mix |"
              + " same total, every mix |\n| --- | ---: | ---: | ---: | ---: |\n");
      perProvider.forEach((p, r) -> sb.append(row(p, r[0], r[1], r[2], r[3])));
      sb.append(row("**all**", total(0), total(1), total(2), total(3)));
      sb.append("\nCases: ")
          .append(cases)
          .append(", same total: ")
          .append(agreeingCases)
          .append(String.format(" (%.2f %%)", 100.0 * agreeingCases / cases))
          .append(". Coverage ")
          .append(String.format("%.2f %%", 100 * coverage()))
          .append(", agreement on the plain mix ")
          .append(String.format("%.2f %%", 100 * plainAgreement()))
          .append(".\n\nListed" + " differences (cases):\n");
      covered.forEach(
          (l, n) ->
              sb.append("- ")
                  .append(l.what())
                  .append(" (")
                  .append(n)
                  .append("): ")
                  .append(l.reason())
                  .append('\n'));
      return sb.toString();
    }

    private static String row(String name, int ref, int ours, int plain, int all) {
      return "| " + name + " | " + ref + " | " + ours + " | " + plain + " | " + all + " |\n";
    }
  }
}
