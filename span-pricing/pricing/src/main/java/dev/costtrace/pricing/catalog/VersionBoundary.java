package dev.costtrace.pricing.catalog;

/**
 * Where a matched prefix ends inside a model id, tells a new version from a snapshot of the same
 * one. A version continues when more digits of the number follow ({@code gpt-4} → {@code gpt-4.5},
 * {@code gpt-41}), when letters are glued to it ({@code gpt-4} → {@code gpt-4o}), when the next
 * part is a short number ({@code claude-opus-4} → {@code claude-opus-4-6}, {@code mistral-large} →
 * {@code mistral-large-3}) or a later version tag ({@code deepseek-chat} → {@code
 * deepseek-chat-v4}). Not a new version: a date or revision ({@code -20250514}, {@code -2411},
 * {@code -0613}, {@code -001}), a size ({@code -70b}), words ({@code -latest}, {@code -instruct}),
 * the first version tag ({@code -v1}), a version tag after a date ({@code -20241022-v2}), or an API
 * version after a colon ({@code -v1:0}).
 */
final class VersionBoundary {
  private VersionBoundary() {}

  /** Whether the id, matched up to {@code end}, goes on to a different version there. */
  static boolean continuesVersion(String id, int end) {
    if (end <= 0 || end >= id.length()) {
      return false;
    }
    char prev = id.charAt(end - 1);
    char next = id.charAt(end);
    if (isDigit(prev)) {
      if (isDigit(next)) {
        int start = end;
        while (start > 0 && isDigit(id.charAt(start - 1))) {
          start--;
        }
        return !isRevision(id, start);
      }
      if (next == '.' && end + 1 < id.length() && isDigit(id.charAt(end + 1))) {
        return true;
      }
      if (Character.isLetter(next)) {
        return true;
      }
    }
    if (next == ':') {
      return false;
    }
    if (isSeparator(next) && end + 1 < id.length() && isDigit(id.charAt(end + 1))) {
      return isVersionNumber(id, end + 1);
    }
    if (isSeparator(next)
        && end + 2 < id.length()
        && id.charAt(end + 1) == 'v'
        && isDigit(id.charAt(end + 2))) {
      // After a date the snapshot is pinned: claude-3-5-sonnet-20241022-v2:0 is Bedrock's
      // revision of that snapshot; without one, titan-embed-text-v2 is a new model.
      return !endsWithDate(id, end) && isLaterVersionTag(id, end + 2);
    }
    if (isSeparator(prev) && isDigit(next)) {
      return isVersionNumber(id, end);
    }
    return false;
  }

  /**
   * A bare number starting at {@code start}: not a revision, not glued to letters (70b), not an API
   * version before a colon ({@code -1:0}).
   */
  private static boolean isVersionNumber(String id, int start) {
    int end = digitsEnd(id, start);
    if (end < id.length() && (Character.isLetter(id.charAt(end)) || id.charAt(end) == ':')) {
      return false;
    }
    return !isRevision(id, start);
  }

  /**
   * A version tag {@code v2}, {@code v3}... ending the part ({@code deepseek-chat-v4}, {@code
   * titan-embed-text-v2:0}); {@code v0} and {@code v1}, the first version, are not later.
   */
  private static boolean isLaterVersionTag(String id, int digits) {
    int end = digitsEnd(id, digits);
    if (end < id.length() && !isSeparator(id.charAt(end)) && id.charAt(end) != ':') {
      return false;
    }
    return end - digits > 1 ? id.charAt(digits) != '0' : id.charAt(digits) >= '2';
  }

  /** Whether the id's part before {@code end} ends with a date (six or eight digits). */
  private static boolean endsWithDate(String id, int end) {
    int start = end;
    while (start > 0 && isDigit(id.charAt(start - 1))) {
      start--;
    }
    return end - start >= 6;
  }

  /** Dates and revisions: four or more digits, or a leading zero (001, 0613, 2411, 20250514). */
  private static boolean isRevision(String id, int start) {
    int length = digitsEnd(id, start) - start;
    return length >= 4 || (length >= 2 && id.charAt(start) == '0');
  }

  private static int digitsEnd(String id, int start) {
    int i = start;
    while (i < id.length() && isDigit(id.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isSeparator(char c) {
    return c == '-' || c == '_' || c == '.' || c == '@' || c == '/';
  }
}
