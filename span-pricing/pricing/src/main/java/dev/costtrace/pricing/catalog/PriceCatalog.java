package dev.costtrace.pricing.catalog;

import dev.costtrace.pricing.normalize.ModelIdentity.ModelRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable, layered price catalog with a version. Finds the entry for a model reference:
 * within the span's provider first, then that provider's declared fallbacks (Bedrock and Vertex
 * serve Anthropic's models at its list prices), then the vendor the model id names; only when the
 * span's provider is not in the catalog at all does it search every provider's models.
 */
public final class PriceCatalog {
  /** Providers whose prices are the user's own: never borrow another provider's list price. */
  private static final Set<String> SELF_HOSTED =
      Set.of("ollama", "vllm", "lmstudio", "lm_studio", "localai", "llamacpp", "self-hosted", "tgi");

  private final List<ProviderEntry> providers;
  private final Map<String, ProviderEntry> byId;
  private final String version;

  public PriceCatalog(List<ProviderEntry> providers, String version) {
    this.providers = List.copyOf(providers);
    Map<String, ProviderEntry> ids = new LinkedHashMap<>();
    for (ProviderEntry p : providers) {
      ids.putIfAbsent(p.id(), p);
    }
    this.byId = ids;
    this.version = version;
  }

  /**
   * Layers catalogs: each later layer's models come before (and replace, by model id) the earlier
   * layers' models of the same provider; new providers are added.
   */
  public static List<ProviderEntry> layer(List<List<ProviderEntry>> lowToHigh) {
    Map<String, ProviderEntry> merged = new LinkedHashMap<>();
    for (List<ProviderEntry> layer : lowToHigh) {
      for (ProviderEntry p : layer) {
        ProviderEntry lower = merged.get(p.id());
        if (lower == null) {
          merged.put(p.id(), p);
          continue;
        }
        Set<String> replaced = new HashSet<>();
        List<ModelEntry> models = new ArrayList<>(p.models());
        p.models().forEach(m -> replaced.add(m.id()));
        for (ModelEntry m : lower.models()) {
          if (!replaced.contains(m.id())) {
            models.add(m);
          }
        }
        Set<String> fallbacks = new java.util.LinkedHashSet<>(p.fallbackProviders());
        fallbacks.addAll(lower.fallbackProviders());
        Set<String> urls = new java.util.LinkedHashSet<>(p.pricingUrls());
        urls.addAll(lower.pricingUrls());
        merged.put(
            p.id(),
            new ProviderEntry(
                p.id(),
                p.name(),
                List.copyOf(urls),
                p.providerMatch() != null ? p.providerMatch() : lower.providerMatch(),
                p.modelMatch() != null ? p.modelMatch() : lower.modelMatch(),
                List.copyOf(fallbacks),
                models));
      }
    }
    // Higher layers' new providers first, so that a user's file wins a global search.
    List<ProviderEntry> out = new ArrayList<>(merged.values());
    java.util.Collections.reverse(out);
    return out;
  }

  public String version() {
    return version;
  }

  public List<ProviderEntry> providers() {
    return providers;
  }

  /** Number of model entries, over all providers. */
  public int modelCount() {
    int n = 0;
    for (ProviderEntry p : providers) {
      n += p.models().size();
    }
    return n;
  }

  /** The provider with this id, or whose provider_match accepts the name; null if none. */
  public ProviderEntry provider(String name) {
    if (name == null || name.isEmpty()) {
      return null;
    }
    ProviderEntry p = byId.get(name);
    if (p != null) {
      return p;
    }
    for (ProviderEntry candidate : providers) {
      if (candidate.providerMatch() != null && candidate.providerMatch().matches(name)) {
        return candidate;
      }
    }
    return null;
  }

  /** Finds the entry that prices a model reference; {@link Match#NONE} with a reason if none. */
  public Match find(ModelRef ref) {
    if (ref.candidates().isEmpty()) {
      return Match.none("the span names no model");
    }
    ProviderEntry own = provider(ref.provider());
    if (own != null) {
      ModelEntry m = findIn(own, ref.candidates());
      if (m != null) {
        return new Match(m, "");
      }
      for (String fb : own.fallbackProviders()) {
        ProviderEntry f = provider(fb);
        m = f == null ? null : findIn(f, ref.candidates());
        if (m != null) {
          return new Match(m, "priced at " + f.id() + "'s list price (fallback for " + own.id() + ")");
        }
      }
    }
    if (!ref.vendor().isEmpty() && !SELF_HOSTED.contains(ref.provider())) {
      ProviderEntry v = provider(ref.vendor());
      ModelEntry m = v == null || v == own ? null : findIn(v, ref.candidates());
      if (m != null) {
        String note =
            ref.provider().isEmpty() || ref.provider().equals(v.id())
                ? ""
                : "priced at " + v.id() + "'s list price (model served via " + ref.provider() + ")";
        return new Match(m, note);
      }
    }
    if (SELF_HOSTED.contains(ref.provider())) {
      return Match.none(
          "'" + ref.provider() + "' is self-hosted: add your own price for "
              + ref.candidates().get(0) + " in an override file");
    }
    if (own != null) {
      return Match.none(
          "no price for model '" + ref.candidates().get(0) + "' of provider '" + own.id()
              + "' in catalog " + version);
    }
    for (ProviderEntry p : providers) {
      if (p.modelMatch() == null || !anyMatches(p.modelMatch(), ref.candidates())) {
        continue;
      }
      ModelEntry m = findIn(p, ref.candidates());
      if (m != null) {
        String note =
            ref.provider().isEmpty()
                ? "provider inferred from the model id"
                : "provider '" + ref.provider() + "' not in catalog; priced at " + p.id()
                    + "'s list price";
        return new Match(m, note);
      }
    }
    return Match.none(
        "no price for model '" + ref.candidates().get(0) + "'"
            + (ref.provider().isEmpty() ? "" : " of provider '" + ref.provider() + "'")
            + " in catalog " + version);
  }

  private static ModelEntry findIn(ProviderEntry p, List<String> candidates) {
    for (int i = 0, n = candidates.size(); i < n; i++) {
      ModelEntry m = p.find(candidates.get(i));
      if (m != null) {
        return m;
      }
    }
    return null;
  }

  private static boolean anyMatches(MatchRule rule, List<String> candidates) {
    for (String c : candidates) {
      if (rule.matches(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The result of a look-up.
   *
   * @param entry the entry, or null when none prices the model
   * @param note how it was found when not directly (fallback provider), or why not; may be empty
   */
  public record Match(ModelEntry entry, String note) {
    static Match none(String why) {
      return new Match(null, why);
    }

    public boolean found() {
      return entry != null;
    }
  }
}
