package dev.costtrace.pricing.normalize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Canonicalises a model reference as emitters spell it into the ids a price catalog matches on:
 * lower case; ARNs and Google's {@code models/} prefix dropped; provider prefixes ({@code
 * openai/gpt-4o}, OpenRouter's {@code anthropic/claude-sonnet-4.5}) split off as a vendor hint;
 * Bedrock model ids and cross-region inference profiles ({@code
 * us.anthropic.claude-3-5-sonnet-20241022-v2:0}) reduced to the vendor's model id; Vertex
 * {@code @version} suffixes and snapshot dates dropped; Azure deployment names mapped by the user's
 * table. Candidates go from the id as written to the most reduced; suffixes that change the price
 * (OpenRouter's {@code :free}, {@code :nitro}) are kept.
 */
public final class ModelIdentity {
  private static final Pattern BEDROCK =
      Pattern.compile(
          "^(?:(?:us|eu|apac|ap|global|us-gov|jp|au|ca)\\.)?"
              + "(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|qwen|writer)\\."
              + "(.+?)(?:-v\\d+)?(?::\\d+)?$");
  private static final Pattern DATE_SUFFIX = Pattern.compile("-(?:\\d{4}-\\d{2}-\\d{2}|\\d{8})$");
  private static final Pattern COMPACT_DATE =
      Pattern.compile("-(20\\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])(?=-|:|$)");

  private final Map<String, String> azureDeployments;

  /**
   * @param azureDeployments deployment name → model id (keys compared lower-cased)
   */
  public ModelIdentity(Map<String, String> azureDeployments) {
    Map<String, String> lower = new java.util.HashMap<>();
    azureDeployments.forEach(
        (k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT)));
    this.azureDeployments = Map.copyOf(lower);
  }

  /**
   * The catalog look-up key for a model reference.
   *
   * @param provider canonical provider id ({@link ProviderNames#canonical}), may be empty
   * @param rawModel the model as the span named it
   */
  public ModelRef resolve(String provider, String rawModel) {
    String s = rawModel.trim().toLowerCase(Locale.ROOT);
    List<String> candidates = new ArrayList<>(4);
    String vendor = "";
    String mapped = azureDeployments.get(s);
    if (mapped != null) {
      s = mapped;
    }
    if (s.startsWith("arn:")) {
      s = s.substring(s.lastIndexOf('/') + 1);
    }
    if (s.startsWith("models/")) {
      s = s.substring("models/".length());
    }
    add(candidates, s);
    add(candidates, dashedDates(s));
    int slash = s.lastIndexOf('/');
    if (slash >= 0) {
      String prefix = s.substring(0, slash);
      int previous = prefix.lastIndexOf('/');
      vendor = ProviderNames.canonical(prefix.substring(previous + 1));
      s = s.substring(slash + 1);
      add(candidates, s);
    }
    Matcher bedrock = BEDROCK.matcher(s);
    if (bedrock.matches()) {
      vendor = ProviderNames.canonical(bedrock.group(1));
      s = bedrock.group(2);
      add(candidates, s);
    } else {
      int at = s.indexOf('@');
      if (at > 0) {
        s = s.substring(0, at);
        add(candidates, s);
      }
    }
    Matcher date = DATE_SUFFIX.matcher(s);
    if (date.find()) {
      add(candidates, s.substring(0, date.start()));
    }
    return new ModelRef(provider, vendor, List.copyOf(candidates));
  }

  /** {@code -20250514} written {@code -2025-05-14}, as the other half of the snapshots spell it. */
  private static String dashedDates(String s) {
    Matcher m = COMPACT_DATE.matcher(s);
    if (!m.find()) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    do {
      String y = m.group(1);
      String mo = m.group(2);
      String d = m.group(3);
      boolean valid;
      try {
        java.time.LocalDate.of(Integer.parseInt(y), Integer.parseInt(mo), Integer.parseInt(d));
        valid = true;
      } catch (java.time.DateTimeException e) {
        valid = false;
      }
      m.appendReplacement(out, valid ? "-" + y + "-" + mo + "-" + d : m.group());
    } while (m.find());
    m.appendTail(out);
    return out.toString();
  }

  private static void add(List<String> candidates, String candidate) {
    if (!candidate.isEmpty() && !candidates.contains(candidate)) {
      candidates.add(candidate);
    }
  }

  /**
   * A model reference ready for catalog look-up.
   *
   * @param provider canonical provider id from the span, may be empty
   * @param vendor the model's vendor when the id names one (OpenRouter prefix, Bedrock id), or
   *     empty
   * @param candidates ids to try, most specific first
   */
  public record ModelRef(String provider, String vendor, List<String> candidates) {}
}
