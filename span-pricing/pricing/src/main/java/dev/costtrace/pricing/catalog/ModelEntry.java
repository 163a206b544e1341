package dev.costtrace.pricing.catalog;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A model of a provider in the catalog.
 *
 * @param providerId catalog provider id
 * @param id model id
 * @param match which model references this entry prices
 * @param prices unconditional prices are a single entry with no condition
 * @param source where these prices come from (file name)
 */
public record ModelEntry(
    String providerId, String id, MatchRule match, List<ConditionalPrice> prices, String source) {

  public ModelEntry {
    prices = List.copyOf(prices);
  }

  /** {@code provider/model}, as stored in provenance. */
  public String qualifiedId() {
    return providerId + "/" + id;
  }

  /**
   * The prices in effect at an instant: conditional prices are tried last to first and the last one
   * whose condition holds wins; if none holds, the first applies (genai-prices semantics).
   */
  public ConditionalPrice pricesAt(Instant at) {
    if (prices.size() == 1) {
      return prices.get(0);
    }
    LocalDate date = LocalDate.ofInstant(at, ZoneOffset.UTC);
    LocalTime time = LocalTime.ofInstant(at, ZoneOffset.UTC);
    for (int i = prices.size() - 1; i >= 0; i--) {
      ConditionalPrice p = prices.get(i);
      if (p.appliesAt(date, time)) {
        return p;
      }
    }
    return prices.get(0);
  }
}
