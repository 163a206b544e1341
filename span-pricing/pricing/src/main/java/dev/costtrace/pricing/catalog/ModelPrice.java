package dev.costtrace.pricing.catalog;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One set of prices for a model (genai-prices {@code ModelPrice}): per-million-token prices by
 * usage class, and an optional price per thousand requests. A class without its own price is null,
 * never zero: the pricer then bills it at the rate the vendor applies instead (see {@code
 * SpanPricer}).
 *
 * @param input uncached text input
 * @param cacheRead cache reads
 * @param cacheWrite cache writes of any lifetime
 * @param cacheWrite5m cache writes with the 5-minute lifetime, when priced apart
 * @param cacheWrite1h cache writes with the 1-hour lifetime, when priced apart
 * @param output visible output
 * @param reasoning reasoning output, when priced apart from output
 * @param inputAudio audio input
 * @param outputAudio audio output
 * @param requestsPerThousand USD per thousand requests, or null
 * @param pricesOutput whether any output price is listed (embedding models list none: their output
 *     tokens are not billed)
 * @param empty whether the entry lists no price of any kind: the model is free of charge
 */
public record ModelPrice(
    Price input,
    Price cacheRead,
    Price cacheWrite,
    Price cacheWrite5m,
    Price cacheWrite1h,
    Price output,
    Price reasoning,
    Price inputAudio,
    Price outputAudio,
    BigDecimal requestsPerThousand,
    boolean pricesOutput,
    boolean empty) {

  // Field names of the genai-prices format (units.yml of the reference).
  static final String INPUT = "input_mtok";
  static final String CACHE_READ = "cache_read_mtok";
  static final String CACHE_WRITE = "cache_write_mtok";
  static final String CACHE_WRITE_5M = "cache_write_5m_mtok";
  static final String CACHE_WRITE_1H = "cache_write_1h_mtok";
  static final String OUTPUT = "output_mtok";
  static final String REASONING = "output_reasoning_mtok";
  static final String INPUT_AUDIO = "input_audio_mtok";
  static final String OUTPUT_AUDIO = "output_audio_mtok";
  static final String REQUESTS = "requests_kcount";

  static ModelPrice of(Map<String, Price> prices, BigDecimal requests) {
    boolean output = false;
    for (String key : prices.keySet()) {
      output |= key.startsWith("output_");
    }
    return new ModelPrice(
        first(prices, INPUT, "input_text_mtok"),
        first(prices, CACHE_READ, "cache_text_read_mtok"),
        first(prices, CACHE_WRITE, "cache_text_write_mtok"),
        prices.get(CACHE_WRITE_5M),
        prices.get(CACHE_WRITE_1H),
        first(prices, OUTPUT, "output_text_mtok"),
        first(prices, REASONING, "output_text_reasoning_mtok"),
        prices.get(INPUT_AUDIO),
        prices.get(OUTPUT_AUDIO),
        requests,
        output,
        prices.isEmpty() && requests == null);
  }

  private static Price first(Map<String, Price> prices, String name, String alternative) {
    Price p = prices.get(name);
    return p != null ? p : prices.get(alternative);
  }
}
