package dev.costtrace.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetRulesTest {
  @TempDir Path dir;

  void write(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(dir, "rules", ".tmp");
    Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void mostSpecificRuleWinsAndInheritsTheRest() throws IOException {
    Path file = dir.resolve("budgets.properties");
    write(
        file,
        String.join(
            "\n",
            "conversation.warn.usd = 1.00",
            "rule.acme.tenant = acme",
            "rule.acme.conversation.cap.usd = 5",
            "rule.acme-search.tenant = acme",
            "rule.acme-search.feature = search",
            "rule.acme-search.conversation.cap.usd = 0.50",
            "rule.acme-search.action = downgrade",
            "rule.acme-search.downgrade = gpt-4o=gpt-4o-mini",
            "rule.bot.service = support-bot",
            "rule.bot.conversation.max.llm.calls = 20"));
    BudgetSettings s =
        BudgetSettings.from(
            Map.of(
                    "costtrace.budgets.file", file.toString(),
                    "costtrace.budget.conversation.cap.usd", "3.00",
                    "costtrace.budget.call.max.tokens", "50000")
                ::get);
    BudgetRules rules = BudgetRulesSource.create(s, w -> {}).current();

    BudgetRule any = rules.ruleFor("other", null, null);
    assertThat(any.capUsd()).isEqualByComparingTo("3.00");
    assertThat(any.warnUsd()).isEqualByComparingTo("1.00"); // the file's unscoped key
    assertThat(any.action()).isEqualTo(BudgetAction.BLOCK);

    BudgetRule acme = rules.ruleFor("acme", "chat", null);
    assertThat(acme.capUsd()).isEqualByComparingTo("5");
    assertThat(acme.callMaxTokens()).isEqualTo(50_000L); // inherited from the settings

    BudgetRule search = rules.ruleFor("acme", "search", null);
    assertThat(search.capUsd()).isEqualByComparingTo("0.50");
    assertThat(search.action()).isEqualTo(BudgetAction.DOWNGRADE);
    assertThat(search.downgrade()).containsEntry("gpt-4o", "gpt-4o-mini");
    assertThat(search.warnUsd()).isEqualByComparingTo("1.00");

    assertThat(rules.ruleFor(null, null, "support-bot").maxLlmCalls()).isEqualTo(20L);
    // acme+search (2) beats service (1) for a call matching both.
    assertThat(rules.ruleFor("acme", "search", "support-bot").capUsd())
        .isEqualByComparingTo("0.50");
  }

  @Test
  void reloadsWhenTheFileChangesAndKeepsRulesOnABadOne() throws IOException {
    Path file = dir.resolve("budgets.properties");
    write(file, "conversation.cap.usd = 1\n");
    AtomicLong clock = new AtomicLong();
    List<String> warnings = new ArrayList<>();
    BudgetSettings s = BudgetSettings.from(Map.of("costtrace.budgets.file", file.toString())::get);
    BudgetRulesSource source = BudgetRulesSource.create(s, clock::get, 1_000, warnings::add);
    assertThat(source.current().global().capUsd()).isEqualByComparingTo("1");

    write(file, "conversation.cap.usd = 2.5\n");
    assertThat(source.current().global().capUsd()).isEqualByComparingTo("1"); // not due yet
    clock.addAndGet(1_000);
    assertThat(source.current().global().capUsd()).isEqualByComparingTo("2.5");

    write(file, "conversation.cap.usd = plenty\n");
    clock.addAndGet(1_000);
    assertThat(source.current().global().capUsd()).isEqualByComparingTo("2.5");
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("keeping the rules in force")
        .contains("conversation.cap.usd: not a USD amount: 'plenty'");
  }

  @Test
  void unknownKeysAndBadFilesFailAtStart() throws IOException {
    Path file = dir.resolve("budgets.properties");
    write(file, "rule.x.tenant = a\nrule.x.conversation.cap = 1\n");
    BudgetSettings s = BudgetSettings.from(Map.of("costtrace.budgets.file", file.toString())::get);
    assertThatThrownBy(() -> BudgetRulesSource.create(s, w -> {}))
        .hasMessageEndingWith("rule.x.conversation.cap: unknown budget setting");
    BudgetSettings missing =
        BudgetSettings.from(Map.of("costtrace.budgets.file", dir.resolve("nope").toString())::get);
    assertThatThrownBy(() -> BudgetRulesSource.create(missing, w -> {}))
        .hasMessageStartingWith("costtrace.budgets.file: cannot read");
  }
}
