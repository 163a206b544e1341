package dev.costtrace.pricing.catalog;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A genai-prices match clause: equals, starts_with, ends_with, contains, regex, or, and. Matching
 * is case-insensitive: callers pass lower-cased ids and literal clauses are lower-cased on load.
 */
public interface MatchRule {

  boolean matches(String lowerCaseId);

  static MatchRule equalsTo(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.equals(v);
  }

  static MatchRule startsWith(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.startsWith(v);
  }

  static MatchRule endsWith(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.endsWith(v);
  }

  static MatchRule contains(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.contains(v);
  }

  /** Like Python's {@code re.search}: the pattern may match anywhere. */
  static MatchRule regex(String pattern) {
    Pattern p = Pattern.compile(pattern, Pattern.CASE_INSENSITIVE);
    return id -> p.matcher(id).find();
  }

  static MatchRule anyOf(List<MatchRule> rules) {
    MatchRule[] all = rules.toArray(new MatchRule[0]);
    return id -> {
      for (MatchRule r : all) {
        if (r.matches(id)) {
          return true;
        }
      }
      return false;
    };
  }

  static MatchRule allOf(List<MatchRule> rules) {
    MatchRule[] all = rules.toArray(new MatchRule[0]);
    return id -> {
      for (MatchRule r : all) {
        if (!r.matches(id)) {
          return false;
        }
      }
      return true;
    };
  }
}
