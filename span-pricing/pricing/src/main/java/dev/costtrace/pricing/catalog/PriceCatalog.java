package dev.costtrace.pricing.catalog;

import dev.costtrace.pricing.normalize.ModelIdentity.ModelRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable, layered price catalog with a version. Finds the entry for a model reference: only
 * among the span's own provider's entries and the providers it declares to serve at their list
 * prices; never another provider's or, by a loose match, another model generation's price.
 */
public final class PriceCatalog {
  /** Providers whose prices are the user's own: never borrow another provider's list price. */
  private static final Set<String> SELF_HOSTED =
      Set.of(
          "ollama", "vllm", "lmstudio", "lm_studio", "localai", "llamacpp", "self-hosted", "tgi");

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
   * Layers catalogs. A higher layer's model replaces the lower layers' model of the same provider
   * and id where it stands, so match order is kept; its other models come first, before the lower
   * layers' models of that provider. Providers new in a higher layer come before the lower layers'
   * providers; the lowest layer's providers keep their order (the order the reference
   * implementation infers a provider from a model id in).
   */
  public static List<ProviderEntry> layer(List<List<ProviderEntry>> lowToHigh) {
    Map<String, ProviderEntry> merged = new LinkedHashMap<>();
    Map<String, Integer> firstLayer = new HashMap<>();
    for (int layer = 0; layer < lowToHigh.size(); layer++) {
      for (ProviderEntry p : lowToHigh.get(layer)) {
        ProviderEntry lower = merged.get(p.id());
        if (lower == null) {
          merged.put(p.id(), p);
          firstLayer.put(p.id(), layer);
        } else {
          merged.put(p.id(), over(p, lower));
        }
      }
    }
    List<ProviderEntry> out = new ArrayList<>(merged.values());
    out.sort(Comparator.comparing((ProviderEntry p) -> firstLayer.get(p.id())).reversed());
    return out;
  }

  private static ProviderEntry over(ProviderEntry higher, ProviderEntry lower) {
    Map<String, ModelEntry> replacing = new LinkedHashMap<>();
    higher.models().forEach(m -> replacing.put(m.id(), m));
    List<ModelEntry> models = new ArrayList<>();
    List<ModelEntry> kept = new ArrayList<>(lower.models().size());
    for (ModelEntry m : lower.models()) {
      ModelEntry replacement = replacing.remove(m.id());
      kept.add(replacement != null ? replacement : m);
    }
    models.addAll(replacing.values()); // new in the higher layer: tried first
    models.addAll(kept);
    Set<String> fallbacks = new LinkedHashSet<>(higher.fallbackProviders());
    fallbacks.addAll(lower.fallbackProviders());
    Set<String> urls = new LinkedHashSet<>(higher.pricingUrls());
    urls.addAll(lower.pricingUrls());
    return new ProviderEntry(
        higher.id(),
        higher.name(),
        List.copyOf(urls),
        higher.providerMatch() != null ? higher.providerMatch() : lower.providerMatch(),
        higher.modelMatch() != null ? higher.modelMatch() : lower.modelMatch(),
        List.copyOf(fallbacks),
        models);
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

  /**
   * Finds the entry that prices a model reference, or a match without entry saying why. A span that
   * names its provider is priced only by that provider's entries, or by those of a provider it
   * declares to serve at their list prices ({@code fallback_model_providers}: Azure serves OpenAI's
   * models, Vertex AI Anthropic's); a provider the catalog does not know prices nothing. Only a
   * span that names no provider has its provider inferred: from a vendor prefix in the model id
   * ({@code openai/gpt-4o}), else from the providers' {@code model_match}.
   */
  public Match find(ModelRef ref) {
    List<String> candidates = ref.candidates();
    if (candidates.isEmpty()) {
      return Match.none("the span names no model");
    }
    String model = candidates.get(0);
    if (!ref.provider().isEmpty()) {
      ProviderEntry own = provider(ref.provider());
      if (own == null) {
        return Match.none(
            SELF_HOSTED.contains(ref.provider())
                ? "'"
                    + ref.provider()
                    + "' is self-hosted: add your own price for "
                    + model
                    + " in an override file"
                : "provider '"
                    + ref.provider()
                    + "' is not in catalog "
                    + version
                    + ": add its prices for "
                    + model
                    + " in a price file or an override");
      }
      Match m = findIn(own, candidates);
      return m != null
          ? m
          : Match.none(
              "no price for model '"
                  + model
                  + "' of provider '"
                  + own.id()
                  + "' in catalog "
                  + version);
    }
    if (!ref.vendor().isEmpty()) {
      ProviderEntry v = provider(ref.vendor());
      Match m = v == null ? null : findIn(v, candidates);
      if (m != null) {
        return m.withNote("provider '" + v.id() + "' taken from the model id");
      }
    }
    for (ProviderEntry p : providers) {
      if (p.modelMatch() != null && anyMatches(p.modelMatch(), candidates)) {
        Match m = findIn(p, candidates);
        if (m != null) {
          return m.withNote("provider '" + p.id() + "' inferred from the model id");
        }
      }
    }
    return Match.none(
        "no price for model '"
            + model
            + "' in catalog "
            + version
            + "; the span names no provider and none of the catalog's providers has it");
  }

  /**
   * The spellings tried most specific first, each in the provider and then in the providers whose
   * models it serves at their list price (the reference implementation's order).
   */
  private Match findIn(ProviderEntry own, List<String> candidates) {
    for (int i = 0, n = candidates.size(); i < n; i++) {
      String c = candidates.get(i);
      ModelEntry m = own.find(c);
      if (m != null) {
        return new Match(m, "");
      }
      for (String fb : own.fallbackProviders()) {
        ProviderEntry f = byId.get(fb);
        m = f == null ? null : f.find(c);
        if (m != null) {
          return new Match(
              m,
              "priced at "
                  + f.id()
                  + "'s list price, which "
                  + own.id()
                  + " charges for "
                  + f.id()
                  + "'s models");
        }
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

    Match withNote(String how) {
      return new Match(entry, note.isEmpty() ? how : how + "; " + note);
    }

    public boolean found() {
      return entry != null;
    }
  }
}
