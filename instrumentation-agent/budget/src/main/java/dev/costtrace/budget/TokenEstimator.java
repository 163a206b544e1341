package dev.costtrace.budget;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;

/**
 * Counts a request's input tokens before it is sent. OpenAI models (and OpenAI-compatible
 * endpoints naming one) use their real BPE encoding through jtokkit: {@code o200k_base} for the
 * GPT-4o, GPT-4.1, GPT-5 and o-series families, {@code cl100k_base} for GPT-4 and GPT-3.5. Other
 * models have no public tokenizer for Java (Anthropic's is not published; Gemini's needs an API
 * call): for them the count is {@code ceil(chars / 3)}, which over-counts English prose (about 4
 * characters a token) so that a cap errs on the safe side.
 */
public final class TokenEstimator {
  /** Characters per token assumed where no tokenizer exists. */
  public static final int APPROX_CHARS_PER_TOKEN = 3;

  private final EncodingRegistry registry;
  private volatile Encoding o200k;
  private volatile Encoding cl100k;

  public TokenEstimator() {
    this.registry = Encodings.newLazyEncodingRegistry();
  }

  /** Tokens of {@code text} for {@code model} ({@code 0} for null or empty text). */
  public long count(String provider, String model, CharSequence text) {
    if (text == null || text.length() == 0) {
      return 0;
    }
    Encoding e = encodingFor(provider, model);
    if (e == null) {
      return approximate(text);
    }
    return e.countTokensOrdinary(text.toString());
  }

  /** Whether {@link #count} uses a real tokenizer for this model. */
  public boolean exact(String provider, String model) {
    return encodingFor(provider, model) != null;
  }

  static long approximate(CharSequence text) {
    return (text.length() + APPROX_CHARS_PER_TOKEN - 1) / APPROX_CHARS_PER_TOKEN;
  }

  private Encoding encodingFor(String provider, String model) {
    if (model == null) {
      return null;
    }
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
      Encoding e = o200k;
      if (e == null) {
        e = registry.getEncoding(EncodingType.O200K_BASE);
        o200k = e;
      }
      return e;
    }
    if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("text-embedding")) {
      Encoding e = cl100k;
      if (e == null) {
        e = registry.getEncoding(EncodingType.CL100K_BASE);
        cl100k = e;
      }
      return e;
    }
    return null;
  }
}
