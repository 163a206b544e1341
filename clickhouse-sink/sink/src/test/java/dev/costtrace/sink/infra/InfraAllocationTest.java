package dev.costtrace.sink.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InfraAllocationTest {
  static InfraRule rule(String yaml) {
    return InfraRules.parse("rules:\n  - name: r\n    match: {provider: vllm}\n" + yaml)
        .rules()
        .get(0);
  }

  static BigDecimal sum(List<InfraAllocation.Share> shares) {
    return shares.stream().map(InfraAllocation.Share::usd).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  @Test
  void aMonthlyCostSplitsOverTheMonthsHoursAndAddsUpExactly() {
    InfraRule r = rule("    monthly_usd: 1000\n    allocate: per_call\n");
    Instant hour = Instant.parse("2026-01-01T00:00:00Z"); // 744 hours
    BigDecimal total = BigDecimal.ZERO;
    for (int i = 0; i < 744; i++) {
      total = total.add(r.hourCost(hour.plus(i, ChronoUnit.HOURS)));
    }
    assertThat(total).isEqualByComparingTo("1000");
    // 1000 / 744 = 1.344086021505376...: the first hours carry the remainder's 10^-12 units
    assertThat(r.hourCost(hour)).isEqualByComparingTo("1.344086021506");
    assertThat(r.hourCost(hour.plus(743, ChronoUnit.HOURS))).isEqualByComparingTo("1.344086021505");
    assertThat(rule("    hourly_usd: 2.5\n    allocate: per_call\n").hourCost(hour))
        .isEqualByComparingTo("2.5");
    assertThatThrownBy(() -> r.hourCost(hour.plusSeconds(1)))
        .hasMessageContaining("not the start of an hour");
  }

  @Test
  void actualUseSplitsAnHourExactlyByLargestRemainder() {
    InfraRule r = rule("    hourly_usd: 1\n    allocate: per_call\n");
    List<InfraAllocation.Share> s =
        InfraAllocation.split(
            r,
            new BigDecimal("1"),
            List.of(
                new InfraAllocation.Use("", "c", BigDecimal.ONE),
                new InfraAllocation.Use("", "a", BigDecimal.ONE),
                new InfraAllocation.Use("", "b", BigDecimal.ONE)));
    // 1/3 each: 0.333333333333, and the one unit left over goes to the first by key
    assertThat(s)
        .extracting(x -> x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("a 0.333333333334", "b 0.333333333333", "c 0.333333333333");
    assertThat(sum(s)).isEqualByComparingTo("1");
  }

  @Test
  void anySplitOfActualUseAddsUpAndDoesNotDependOnOrder() {
    InfraRule r = rule("    monthly_usd: 7200\n    allocate: per_second\n");
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      BigDecimal cost =
          new BigDecimal(random.nextInt(1_000_000_000)).movePointLeft(random.nextInt(12));
      List<InfraAllocation.Use> uses = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(50); i++) {
        uses.add(
            new InfraAllocation.Use(
                random.nextBoolean() ? "acme" : "",
                "t" + i,
                new BigDecimal(random.nextInt(2_000_000_000)).movePointLeft(random.nextInt(10))));
      }
      List<InfraAllocation.Share> s = InfraAllocation.split(r, cost, uses);
      BigDecimal used =
          uses.stream().map(InfraAllocation.Use::units).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(sum(s)).isEqualByComparingTo(used.signum() == 0 ? BigDecimal.ZERO : cost);
      Collections.shuffle(uses, random);
      assertThat(InfraAllocation.split(r, cost, uses)).isEqualTo(s);
    }
  }

  @Test
  void anUnusedHourIsIdleAndAFixedRateChargesOnlyWhatWasUsed() {
    InfraRule actual = rule("    hourly_usd: 3.6\n    allocate: per_second\n");
    assertThat(InfraAllocation.split(actual, new BigDecimal("3.6"), List.of()))
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.traceId()).isNull();
              assertThat(x.usd()).isEqualByComparingTo("3.6");
            });
    InfraRule fixed = rule("    hourly_usd: 3.6\n    allocate: per_second\n    rate: fixed\n");
    List<InfraAllocation.Share> s =
        InfraAllocation.split(
            fixed,
            new BigDecimal("3.6"),
            List.of(
                new InfraAllocation.Use("", "a", new BigDecimal("10")),
                new InfraAllocation.Use("", "b", new BigDecimal("0.5"))));
    // 3.6 per 3600 s: 0.001 a second; the unused capacity is the idle rest, so it adds up to 3.6
    assertThat(s)
        .extracting(x -> x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("a 0.010000000000", "b 0.000500000000", "null 3.589500000000");
    assertThat(sum(s)).isEqualByComparingTo("3.6");
    InfraRule perCall =
        rule(
            "    hourly_usd: 1\n    allocate: per_call\n    rate: fixed\n    capacity_per_hour: 3\n");
    assertThat(
            InfraAllocation.split(
                perCall, BigDecimal.ONE, List.of(new InfraAllocation.Use("", "a", BigDecimal.ONE))))
        .extracting(x -> x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("a 0.333333333333", "null 0.666666666667");
    assertThatThrownBy(
            () ->
                InfraAllocation.split(
                    actual,
                    BigDecimal.ONE,
                    List.of(
                        new InfraAllocation.Use("", "a", BigDecimal.ONE),
                        new InfraAllocation.Use("", "a", BigDecimal.TEN))))
        .hasMessageContaining("given twice");
  }

  @Test
  void theRulesFileIsStrictAndNamesTheRule() {
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - name: gpu\n    match: {provider: vllm}\n    monthly_usd: 1\n"))
        .hasMessage("rule 1 (gpu) at line 2: allocate is required");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - name: gpu\n    match: {provider: vllm}\n    monthly_usd: 1\n"
                        + "    hourly_usd: 1\n    allocate: per_call\n"))
        .hasMessageContaining("give one of monthly_usd and hourly_usd");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - name: gpu\n    match: {vendor: x}\n    monthly_usd: 1\n"
                        + "    allocate: per_call\n"))
        .hasMessage("rule 1 (gpu) at line 2: unknown key 'vendor'");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - name: gpu\n    match: {tool: db}\n    monthly_usd: -1\n"
                        + "    allocate: per_call\n"))
        .hasMessageContaining("monthly_usd must be non-negative");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - name: gpu\n    match: {tool: db}\n    monthly_usd: 1\n"
                        + "    allocate: per_minute\n"))
        .hasMessageContaining("allocate must be one of per_second, per_call, per_conversation");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - name: gpu\n    match: {tool: db}\n    monthly_usd: 1\n"
                        + "    allocate: per_call\n    rate: fixed\n"))
        .hasMessageContaining("needs capacity_per_hour");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "rules:\n  - {name: a, match: {tool: x}, hourly_usd: 1, allocate: per_call}\n"
                        + "  - {name: a, match: {tool: y}, hourly_usd: 1, allocate: per_call}\n"))
        .hasMessage("rule 2 (a) at line 3: another rule has this name");
    assertThatThrownBy(() -> InfraRules.parse("budget: 1"))
        .hasMessageContaining("unknown key 'budget'");
  }

  @Test
  void yamlAndJsonOfTheSameRulesAreOneVersion() {
    InfraRules yaml =
        InfraRules.parse(
            "rules:\n  - name: gpu\n    match: {provider: vllm}\n    monthly_usd: 7200.00\n"
                + "    allocate: per_second\n");
    InfraRules json =
        InfraRules.parse(
            "{\"rules\": [{\"name\": \"gpu\", \"allocate\": \"per_second\", \"monthly_usd\": \"7200\","
                + " \"match\": {\"provider\": \"vllm\"}, \"rate\": \"actual\"}]}");
    assertThat(json.version()).isEqualTo(yaml.version());
    assertThat(InfraRules.fromCanonicalJson(yaml.canonicalJson())).isEqualTo(yaml);
    assertThat(InfraRules.parse("").isEmpty()).isTrue();
    assertThat(InfraRules.parse("rules: []").version()).isEqualTo(InfraRules.none().version());
  }

  @Test
  void oneUserPaysTheWholeHourAndTiesGoByKey() {
    InfraRule r = rule("    hourly_usd: 0.000000000002\n    allocate: per_call\n");
    assertThat(
            InfraAllocation.split(
                r,
                new BigDecimal("7.5"),
                List.of(new InfraAllocation.Use("t", "x", BigDecimal.TEN))))
        .extracting(x -> x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("x 7.500000000000");
    // 2 units of 10^-12 over three equal users: the two first by (tenant key, trace ID) get one.
    List<InfraAllocation.Share> s =
        InfraAllocation.split(
            r,
            new BigDecimal("0.000000000002"),
            List.of(
                new InfraAllocation.Use("b", "a", BigDecimal.ONE),
                new InfraAllocation.Use("a", "z", BigDecimal.ONE),
                new InfraAllocation.Use("a", "y", BigDecimal.ONE)));
    assertThat(s)
        .extracting(x -> x.authTenant() + "/" + x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("a/y 0.000000000001", "a/z 0.000000000001", "b/a 0.000000000000");
    // A user with no use is no user: the hour is idle.
    assertThat(
            InfraAllocation.split(
                r, BigDecimal.ONE, List.of(new InfraAllocation.Use("", "x", BigDecimal.ZERO))))
        .extracting(x -> x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("null 1.000000000000");
  }

  @Test
  void useBeyondAFixedCapacityIsANegativeIdleShare() {
    InfraRule r =
        rule(
            "    hourly_usd: 1\n    allocate: per_call\n    rate: fixed\n"
                + "    capacity_per_hour: 2\n");
    List<InfraAllocation.Share> s =
        InfraAllocation.split(
            r,
            BigDecimal.ONE,
            List.of(
                new InfraAllocation.Use("", "a", BigDecimal.ONE),
                new InfraAllocation.Use("", "b", new BigDecimal("2"))));
    assertThat(s)
        .extracting(x -> x.traceId() + " " + x.usd().toPlainString())
        .containsExactly("a 0.500000000000", "b 1.000000000000", "null -0.500000000000");
    assertThat(sum(s)).isEqualByComparingTo("1");
    assertThat(InfraAllocation.idle(s)).isEqualByComparingTo("-0.5");
  }

  @Test
  void aBadFileNamesTheLine() {
    assertThatThrownBy(() -> InfraRules.parse("rules:\n  - name: [gpu\n"))
        .hasMessageStartingWith("line 2: not YAML or JSON");
    assertThatThrownBy(
            () ->
                InfraRules.parse(
                    "# shared costs\nrules:\n  - {name: a, match: {tool: x}, hourly_usd: 1,"
                        + " allocate: per_call}\n\n  - name: b\n    match: {tool: y}\n"
                        + "    hourly_usd: 1.0000000000001\n    allocate: per_call\n"))
        .hasMessage(
            "rule 2 (b) at line 5: hourly_usd must be non-negative with at most 12 decimals");
  }
}
