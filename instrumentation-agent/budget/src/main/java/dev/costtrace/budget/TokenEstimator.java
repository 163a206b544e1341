package dev.costtrace.budget;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts a request's input tokens before it is sent. OpenAI models (and OpenAI-compatible endpoints
 * naming one) use their real BPE encoding through jtokkit: {@code o200k_base} for the GPT-4o,
 * GPT-4.1, GPT-5 and o-series families, {@code cl100k_base} for GPT-4 and GPT-3.5. Other models
 * have no public tokenizer for Java (Anthropic's is not published; Gemini's needs an API call): for
 * them the count is {@code ceil(chars / 3)}, which over-counts English prose (about 4 characters a
 * token) so that a cap errs on the safe side.
 *
 * <p><b>The upper bound, and when the tokenizer runs.</b> A BPE token is at least one byte, so a
 * text never has more tokens than its UTF-8 length ({@link #utf8Bytes}: one pass over the chars,
 * where jtokkit's regex pre-tokenizer takes microseconds). {@link BudgetEngine#admit} prices a call
 * with that bound (plus its maximum output) first. When the conversation's spend, the reservations
 * of its calls in flight and that price stay within every limit of the rule (warning, cap, tokens
 * per call), the count could not hit one either, so the call is admitted without tokenizing and
 * reserves the bound's price; past the warning, with the cap still out of reach, the warning is
 * certain and the bound decides too. Otherwise the prompt is counted and decided on as before. This
 * relies on a price never falling as input grows: true of every long-context tier in the bundled
 * catalog (each tier's rate is above the one below it); an override with a cheaper upper tier would
 * break it. A bound-priced reservation (at most {@link BudgetEngine#MAX_PROVISIONAL} per
 * conversation, each keeping its prompt until it settles) is priced from its count as soon as it
 * would make a later call of the conversation hit the cap or the warning, so calls in flight are
 * refused exactly when counting every prompt would refuse them (unless new bound-priced calls keep
 * arriving through {@link BudgetEngine#MAX_REFINE_ROUNDS} re-checks: then it errs towards
 * refusing); at settlement the real usage replaces it (a call whose usage is not seen is settled at
 * its counted estimate). What differs is reported: a call admitted on the bound has {@code
 * costtrace.budget.estimate.input_tokens} = the byte length, flagged {@code
 * costtrace.budget.estimate.input_tokens_bound = utf8_bytes}, and its estimate and reach are the
 * bound's. Encodings are loaded once per estimator, at the first count (about a second for {@code
 * o200k_base}), and shared by every call.
 */
public class TokenEstimator {
  /** Characters per token assumed where no tokenizer exists. */
  public static final int APPROX_CHARS_PER_TOKEN = 3;

  /** Models remembered with their encoding; a flood of distinct names clears it, never grows it. */
  private static final int MAX_CACHED_MODELS = 1024;

  private static final Object NO_ENCODING = new Object();

  private final EncodingRegistry registry;
  private volatile Encoding o200k;
  private volatile Encoding cl100k;
  // Model → EncodingType or NO_ENCODING: the family test lower-cases the name, once per model here.
  private final ConcurrentHashMap<String, Object> byModel = new ConcurrentHashMap<>();

  public TokenEstimator() {
    this.registry = Encodings.newLazyEncodingRegistry();
  }

  /** Tokens of {@code text} for {@code model} ({@code 0} for null or empty text). */
  public long count(String provider, String model, CharSequence text) {
    if (text == null || text.length() == 0) {
      return 0;
    }
    EncodingType type = encodingFor(provider, model);
    if (type == null) {
      return approximate(text);
    }
    return encoding(type).countTokensOrdinary(text.toString());
  }

  /**
   * Whether {@link #count} uses a real tokenizer for this model. Loads no encoding: a process whose
   * calls stay far from their limits never pays for one.
   */
  public boolean exact(String provider, String model) {
    return encodingFor(provider, model) != null;
  }

  /**
   * The UTF-8 length of {@code text} in bytes ({@code 0} for null): an upper bound of its BPE token
   * count. Overestimates only for a lone surrogate (2 where UTF-8 writes one {@code ?}).
   */
  public static long utf8Bytes(CharSequence text) {
    if (text == null) {
      return 0;
    }
    int n = text.length();
    long bytes = n;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        // 2 bytes below U+0800 and per surrogate half (a pair is 4), else 3.
        bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
      }
    }
    return bytes;
  }

  static long approximate(CharSequence text) {
    return (text.length() + APPROX_CHARS_PER_TOKEN - 1) / APPROX_CHARS_PER_TOKEN;
  }

  private EncodingType encodingFor(String provider, String model) {
    if (model == null) {
      return null;
    }
    Object known = byModel.get(model);
    if (known == null) {
      known = family(model);
      if (byModel.size() >= MAX_CACHED_MODELS) {
        byModel.clear();
      }
      byModel.put(model, known);
    }
    return known == NO_ENCODING ? null : (EncodingType) known;
  }

  private static Object family(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    if (slash >= 0) {
      m = m.substring(slash + 1); // openai/gpt-4o on routers
    }
    if (m.startsWith("gpt-4o")
        || m.startsWith("gpt-4.1")
        || m.startsWith("gpt-4.5")
        || m.startsWith("gpt-5")
        || m.startsWith("chatgpt-4o")
        || m.startsWith("o1")
        || m.startsWith("o3")
        || m.startsWith("o4")
        || m.startsWith("gpt-oss")) {
      return EncodingType.O200K_BASE;
    }
    if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("text-embedding")) {
      return EncodingType.CL100K_BASE;
    }
    return NO_ENCODING;
  }

  /** The encoding, loaded on first use and kept (loading takes about a second). */
  private Encoding encoding(EncodingType type) {
    if (type == EncodingType.O200K_BASE) {
      Encoding e = o200k;
      if (e == null) {
        e = registry.getEncoding(type);
        o200k = e;
      }
      return e;
    }
    Encoding e = cl100k;
    if (e == null) {
      e = registry.getEncoding(type);
      cl100k = e;
    }
    return e;
  }
}
