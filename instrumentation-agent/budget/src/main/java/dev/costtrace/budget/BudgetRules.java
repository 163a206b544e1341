package dev.costtrace.budget;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The global rule and the scoped rules of a rules file. {@link #ruleFor} picks the most specific
 * matching rule (the one naming most of tenant, feature and service; on a tie, the one listed
 * first), its unset fields taken from the global rule.
 *
 * <p>The file is a Java properties file. Unscoped keys ({@code conversation.cap.usd = 3.00}, the
 * setting names without {@code costtrace.budget.}) override the settings' global rule, so a cap can
 * be changed while the app runs; {@code rule.<name>.tenant|feature|service} scope a rule and {@code
 * rule.<name>.<setting>} set its limits:
 *
 * <pre>
 * conversation.warn.usd = 1.00
 * rule.acme-search.tenant = acme
 * rule.acme-search.feature = search
 * rule.acme-search.conversation.cap.usd = 0.50
 * rule.acme-search.action = downgrade
 * rule.acme-search.downgrade = gpt-4o=gpt-4o-mini
 * </pre>
 */
public final class BudgetRules {
  private final BudgetRule global;
  private final List<BudgetRule> scoped;

  private BudgetRules(BudgetRule global, List<BudgetRule> scoped) {
    this.global = global;
    List<BudgetRule> inherited = new ArrayList<>();
    for (BudgetRule r : scoped) {
      inherited.add(r.inheriting(global));
    }
    this.scoped = Collections.unmodifiableList(inherited);
  }

  /** Only the settings' rule. */
  public static BudgetRules of(BudgetRule global) {
    return new BudgetRules(global, Collections.<BudgetRule>emptyList());
  }

  public static BudgetRules of(BudgetRule global, List<BudgetRule> scoped) {
    return new BudgetRules(global, scoped);
  }

  /**
   * The rules of a rules file over the settings' {@code global} rule; a bad value throws {@link
   * IllegalArgumentException} naming the file's key.
   */
  public static BudgetRules parse(Properties file, BudgetRule global) {
    BudgetRule fileGlobal =
        BudgetSettings.rule(file::getProperty, "", BudgetRule.builder()).build().inheriting(global);
    Set<String> names = new TreeSet<>();
    for (String key : file.stringPropertyNames()) {
      if (key.startsWith("rule.")) {
        int dot = key.indexOf('.', 5);
        if (dot < 0) {
          throw new IllegalArgumentException(key + ": expected rule.<name>.<setting>");
        }
        names.add(key.substring(5, dot));
      } else if (!known(key)) {
        throw new IllegalArgumentException(key + ": unknown budget setting");
      }
    }
    List<BudgetRule> rules = new ArrayList<>();
    for (String name : names) {
      String prefix = "rule." + name + ".";
      for (String key : file.stringPropertyNames()) {
        if (key.startsWith(prefix)
            && !known(key.substring(prefix.length()))
            && !isScope(key.substring(prefix.length()))) {
          throw new IllegalArgumentException(key + ": unknown budget setting");
        }
      }
      BudgetRule.Builder b =
          BudgetRule.builder()
              .tenant(BudgetSettings.trimmed(file.getProperty(prefix + "tenant")))
              .feature(BudgetSettings.trimmed(file.getProperty(prefix + "feature")))
              .service(BudgetSettings.trimmed(file.getProperty(prefix + "service")));
      rules.add(BudgetSettings.rule(file::getProperty, prefix, b).build());
    }
    return new BudgetRules(fileGlobal, rules);
  }

  private static boolean isScope(String key) {
    return key.equals("tenant") || key.equals("feature") || key.equals("service");
  }

  private static boolean known(String key) {
    return key.equals(BudgetSettings.WARN_USD)
        || key.equals(BudgetSettings.CAP_USD)
        || key.equals(BudgetSettings.MAX_LLM_CALLS)
        || key.equals(BudgetSettings.CALL_MAX_TOKENS)
        || key.equals(BudgetSettings.ACTION)
        || key.equals(BudgetSettings.DOWNGRADE);
  }

  /** The rule for a call of this tenant, feature and service (each may be null). */
  public BudgetRule ruleFor(String tenant, String feature, String service) {
    BudgetRule best = global;
    int bestScore = 0;
    for (int i = 0; i < scoped.size(); i++) {
      BudgetRule r = scoped.get(i);
      int score = r.specificity(tenant, feature, service);
      if (score > bestScore) {
        best = r;
        bestScore = score;
      }
    }
    return best;
  }

  public BudgetRule global() {
    return global;
  }

  public List<BudgetRule> scoped() {
    return scoped;
  }

  /** Whether any rule sets a limit. */
  public boolean hasLimits() {
    if (global.hasLimits()) {
      return true;
    }
    for (BudgetRule r : scoped) {
      if (r.hasLimits()) {
        return true;
      }
    }
    return false;
  }
}
