package dev.costtrace.budget;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;

/**
 * Asks the receiver's cost API, {@code GET /api/v1/conversations/{id}}, for a conversation's spend:
 * its budget state's {@code spent_usd} (a decimal string) and {@code llm_calls}, which count what
 * the receiver acknowledged but has not stored yet; 404 is a conversation it has not seen. With the
 * JDK's {@link HttpURLConnection} (the agent must not bring an HTTP client of its own) and short
 * timeouts.
 */
public final class ReceiverSpendClient implements RemoteSpend {
  private static final JsonFactory JSON = new JsonFactory();

  private final String baseUrl;
  private final String authorization;
  private final int timeoutMillis;

  /**
   * @param baseUrl e.g. {@code http://localhost:4318} (a trailing slash is ignored)
   * @param authorization the {@code Authorization} header to send (the exporter's bearer token), or
   *     null
   */
  public ReceiverSpendClient(String baseUrl, String authorization, int timeoutMillis) {
    String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    URI.create(b); // fails fast on a malformed endpoint
    this.baseUrl = b;
    this.authorization = authorization;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public String describe() {
    return baseUrl;
  }

  @Override
  public Snapshot fetch(String conversationId) throws IOException {
    URL url =
        new URL(
            baseUrl
                + "/api/v1/conversations/"
                + URLEncoder.encode(conversationId, "UTF-8").replace("+", "%20"));
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    try {
      c.setConnectTimeout(timeoutMillis);
      c.setReadTimeout(timeoutMillis);
      c.setRequestProperty("Accept", "application/json");
      if (authorization != null) {
        c.setRequestProperty("Authorization", authorization);
      }
      int status = c.getResponseCode();
      if (status == 404) {
        drain(c.getErrorStream());
        return Snapshot.NONE;
      }
      if (status != 200) {
        drain(c.getErrorStream());
        throw new IOException("GET " + url + " answered " + status);
      }
      try (InputStream in = c.getInputStream()) {
        return parse(in);
      }
    } finally {
      c.disconnect();
    }
  }

  static Snapshot parse(InputStream in) throws IOException {
    long pico = -1;
    long calls = 0;
    try (JsonParser p = JSON.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("conversation answer is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (!"budget".equals(name) || t != JsonToken.START_OBJECT) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken v = p.nextToken();
          if ("spent_usd".equals(field) && (v == JsonToken.VALUE_STRING || v.isNumeric())) {
            pico = Money.toPico(new BigDecimal(p.getText()));
          } else if ("llm_calls".equals(field) && v.isNumeric()) {
            calls = p.getLongValue();
          } else {
            p.skipChildren();
          }
        }
      }
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IOException("conversation answer has a bad budget.spent_usd: " + e.getMessage(), e);
    }
    if (pico < 0) {
      throw new IOException("conversation answer has no budget.spent_usd");
    }
    return new Snapshot(pico, calls);
  }

  private static void drain(InputStream in) throws IOException {
    if (in == null) {
      return;
    }
    try (InputStream i = in) {
      byte[] buf = new byte[1024];
      while (i.read(buf) >= 0) {
        // keep-alive: read the body to its end
      }
    }
  }
}
