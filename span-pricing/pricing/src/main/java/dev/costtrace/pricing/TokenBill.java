package dev.costtrace.pricing;

import dev.costtrace.pricing.catalog.ModelPrice;
import dev.costtrace.pricing.catalog.Price;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Bills the disjoint token classes of one call at one model price the way vendors bill them. A
 * class without its own price is billed at the rate the vendor applies to it instead, following the
 * genai-prices unit hierarchy: cache reads, cache writes and audio input at the input rate;
 * reasoning and audio output at the output rate; 1-hour cache writes at the cache-write rate, or,
 * where the route bills Anthropic's multiplier for Claude, at twice the input rate. Each fallback
 * is named in {@link #notes}. Output of a model that lists input but no output prices (embedding
 * models) is not billed; a model listed without any price is free. Tokens no rate covers are {@link
 * #missing}: the span is then PARTIAL.
 */
final class TokenBill {
  private static final BigDecimal TWO = BigDecimal.valueOf(2);

  final BigDecimal input;
  final BigDecimal cacheRead;
  final BigDecimal cacheWrite;
  final BigDecimal output;
  final BigDecimal reasoning;
  final BigDecimal audio;
  final List<String> missing = new ArrayList<>(2);
  final List<String> notes = new ArrayList<>(2);
  private final long totalInput;

  /**
   * @param oneHourAtTwiceInput whether 1-hour cache writes without their own price cost twice the
   *     input rate (Claude on routes that bill Anthropic's multiplier)
   */
  TokenBill(TokenUsage u, ModelPrice mp, boolean oneHourAtTwiceInput) {
    totalInput = u.totalInput();
    if (mp.empty()) {
      input = cacheRead = cacheWrite = output = reasoning = audio = BigDecimal.ZERO;
      if (!u.isEmpty()) {
        notes.add("the model is listed without prices: no charge");
      }
      return;
    }
    Price in = mp.input();
    input = charge(u.uncachedInput(), "input", mp.input());
    cacheRead = charge(u.cacheRead(), "cache read", mp.cacheRead(), in, "input");
    Price write = mp.cacheWrite5m() != null ? mp.cacheWrite5m() : mp.cacheWrite();
    BigDecimal writes = charge(u.cacheWrite5m(), "cache write", write, in, "input");
    if (u.cacheWrite1h() > 0 && mp.cacheWrite1h() == null && oneHourAtTwiceInput && in != null) {
      writes = writes.add(perMillion(u.cacheWrite1h(), in.rate(totalInput).multiply(TWO)));
      notes.add(
          "1-hour cache write ("
              + u.cacheWrite1h()
              + " tokens) at twice the input rate,"
              + " Anthropic's multiplier");
    } else {
      writes =
          writes.add(
              charge(
                  u.cacheWrite1h(),
                  "1-hour cache write",
                  mp.cacheWrite1h(),
                  mp.cacheWrite(),
                  "cache-write",
                  in,
                  "input"));
    }
    cacheWrite = writes;
    // Embedding models list input prices only: their output is not billed. A model with no token
    // price at all (billed per audio hour or page) cannot price tokens of either side.
    boolean inputOnly = !mp.pricesOutput() && in != null;
    if (inputOnly) {
      output = reasoning = BigDecimal.ZERO;
      audio = charge(u.audioInput(), "audio input", mp.inputAudio(), in, "input");
      if (u.totalOutput() > 0) {
        notes.add(
            u.totalOutput()
                + " output tokens not billed: the model lists no output"
                + " price, as embedding models");
      }
    } else {
      Price out = mp.output();
      output = charge(u.output(), "output", out);
      reasoning = charge(u.reasoning(), "reasoning", mp.reasoning(), out, "output");
      audio =
          charge(u.audioInput(), "audio input", mp.inputAudio(), in, "input")
              .add(charge(u.audioOutput(), "audio output", mp.outputAudio(), out, "output"));
    }
  }

  /** Bills tokens at the class's own price; without one they are missing. */
  private BigDecimal charge(long tokens, String cls, Price own) {
    return charge(tokens, cls, own, null, "");
  }

  /** Bills tokens at the class's own price, else at the fallback rate (named in the notes). */
  private BigDecimal charge(long tokens, String cls, Price own, Price fallback, String rate) {
    if (tokens == 0) {
      return BigDecimal.ZERO;
    }
    if (own != null) {
      return perMillion(tokens, own.rate(totalInput));
    }
    if (fallback != null) {
      notes.add(cls + " (" + tokens + " tokens) at the " + rate + " rate");
      return perMillion(tokens, fallback.rate(totalInput));
    }
    missing.add(cls + " (" + tokens + " tokens)");
    return BigDecimal.ZERO;
  }

  /** As above, with a second fallback when the first rate is not listed either. */
  private BigDecimal charge(
      long tokens,
      String cls,
      Price own,
      Price fallback,
      String rate,
      Price second,
      String secondRate) {
    return fallback != null || own != null
        ? charge(tokens, cls, own, fallback, rate)
        : charge(tokens, cls, null, second, secondRate);
  }

  static BigDecimal perMillion(long tokens, BigDecimal ratePerMillion) {
    // Exact: a decimal shift, no division.
    return BigDecimal.valueOf(tokens).multiply(ratePerMillion).movePointLeft(6);
  }
}
