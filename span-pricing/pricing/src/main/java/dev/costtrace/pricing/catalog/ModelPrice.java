package dev.costtrace.pricing.catalog;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One set of prices for a model (genai-prices {@code ModelPrice}): per-million-token prices by
 * usage class, and an optional price per thousand requests. Absent classes are null, never zero.
 */
public record ModelPrice(
    Price input,
    Price cacheRead,
    Price cacheWrite,
    Price cacheWrite1h,
    Price output,
    Price inputAudio,
    Price outputAudio,
    BigDecimal requestsPerThousand) {

  // Field names of the genai-prices format, plus our cache_write_1h_mtok.
  static final String INPUT = "input_mtok";
  static final String CACHE_READ = "cache_read_mtok";
  static final String CACHE_WRITE = "cache_write_mtok";
  static final String CACHE_WRITE_1H = "cache_write_1h_mtok";
  static final String OUTPUT = "output_mtok";
  static final String INPUT_AUDIO = "input_audio_mtok";
  static final String OUTPUT_AUDIO = "output_audio_mtok";
  static final String REQUESTS = "requests_kcount";

  static ModelPrice of(Map<String, Price> prices, BigDecimal requests) {
    return new ModelPrice(
        first(prices, INPUT, "input_text_mtok"),
        first(prices, CACHE_READ, "cache_text_read_mtok"),
        first(prices, CACHE_WRITE, "cache_text_write_mtok"),
        prices.get(CACHE_WRITE_1H),
        first(prices, OUTPUT, "output_text_mtok"),
        prices.get(INPUT_AUDIO),
        prices.get(OUTPUT_AUDIO),
        requests);
  }

  private static Price first(Map<String, Price> prices, String name, String alternative) {
    Price p = prices.get(name);
    return p != null ? p : prices.get(alternative);
  }
}
