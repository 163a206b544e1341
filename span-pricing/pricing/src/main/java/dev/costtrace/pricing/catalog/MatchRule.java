package dev.costtrace.pricing.catalog;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A genai-prices match clause: equals, starts_with, ends_with, contains, regex, or, and. Callers
 * pass lower-cased ids and literal clauses are lower-cased on load; a regex is applied as written
 * to the lower-cased id, as the reference implementation does.
 *
 * <p>Catalog rules ({@link #startsWith}, {@link #contains}) never match across a version number:
 * {@code starts_with: claude-opus-4} accepts {@code claude-opus-4-20250514} and {@code
 * claude-opus-4-latest} but not {@code claude-opus-4-6} or {@code claude-opus-4.6}, the next
 * generation, whose price an older entry must not give. Overrides, the user's own prices, use the
 * plain {@link #prefix} and {@link #substring}.
 */
public interface MatchRule {

  boolean matches(String lowerCaseId);

  static MatchRule equalsTo(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.equals(v);
  }

  /** The id starts with {@code s}, and what follows does not continue a version number. */
  static MatchRule startsWith(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.startsWith(v) && !VersionBoundary.continuesVersion(id, v.length());
  }

  /** The id contains {@code s} somewhere that is not followed by more of a version number. */
  static MatchRule contains(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> {
      for (int i = id.indexOf(v); i >= 0; i = id.indexOf(v, i + 1)) {
        if (!VersionBoundary.continuesVersion(id, i + v.length())) {
          return true;
        }
      }
      return false;
    };
  }

  /** The id starts with {@code s}, whatever follows. */
  static MatchRule prefix(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.startsWith(v);
  }

  /** The id contains {@code s}, whatever follows. */
  static MatchRule substring(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.contains(v);
  }

  static MatchRule endsWith(String s) {
    String v = s.toLowerCase(Locale.ROOT);
    return id -> id.endsWith(v);
  }

  /** Like JavaScript's {@code RegExp.test}: the pattern may match anywhere, case as written. */
  static MatchRule regex(String pattern) {
    Pattern p = Pattern.compile(pattern);
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
