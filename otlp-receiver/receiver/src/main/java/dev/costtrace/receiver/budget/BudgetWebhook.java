package dev.costtrace.receiver.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs each budget event to a webhook, once per conversation and limit: JSON, signed with
 * HMAC-SHA256 of the body under the shared secret in {@value #SIGNATURE_HEADER} ({@code
 * sha256=<hex>}, as GitHub and Stripe-style receivers check), retried with exponential back-off
 * ({@link #DEFAULT_FIRST_BACKOFF} doubling, {@link #DEFAULT_MAX_ATTEMPTS} attempts) on a connection
 * failure or a non-2xx answer. "Once" holds across restarts through {@link Deliveries} (a
 * ClickHouse table): a delivery is recorded after the receiver's 2xx, so a crash between the two
 * means one more delivery (at least once, normally exactly once).
 */
public final class BudgetWebhook implements Consumer<BudgetEvent>, AutoCloseable {
  public static final String URL_KEY = "costtrace.budget.webhook.url";
  public static final String SECRET_KEY = "costtrace.budget.webhook.secret";
  public static final String SIGNATURE_HEADER = "X-CostTrace-Signature";
  public static final int DEFAULT_MAX_ATTEMPTS = 6;
  public static final Duration DEFAULT_FIRST_BACKOFF = Duration.ofMillis(500);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where deliveries are remembered across restarts. */
  public interface Deliveries {
    boolean delivered(String conversationId, String limitName);

    void markDelivered(String conversationId, String limitName);
  }

  private final URI url;
  private final byte[] secret;
  private final Deliveries deliveries;
  private final int maxAttempts;
  private final Duration firstBackoff;
  private final HttpClient http;
  private final ScheduledExecutorService scheduler;
  private final Set<String> claimed = ConcurrentHashMap.newKeySet();
  private final LongAdder sent = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder gaveUp = new LongAdder();
  private volatile String lastFailure;

  public BudgetWebhook(
      URI url, String secret, Deliveries deliveries, int maxAttempts, Duration firstBackoff) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException(SECRET_KEY + ": a webhook needs a secret to sign with");
    }
    this.url = url;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.deliveries = deliveries;
    this.maxAttempts = maxAttempts;
    this.firstBackoff = firstBackoff;
    this.http = HttpClient.newBuilder().connectTimeout(DEFAULT_TIMEOUT).build();
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "costtrace-budget-webhook");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public void accept(BudgetEvent e) {
    if (e.conversationId().isEmpty()
        || !claimed.add(e.conversationId() + '\u0000' + e.limitName())) {
      return; // this process already delivers (or delivered) it
    }
    scheduler.execute(
        () -> {
          try {
            if (deliveries.delivered(e.conversationId(), e.limitName())) {
              return; // delivered before a restart
            }
            attempt(e, body(e), 1);
          } catch (RuntimeException ex) {
            System.err.println("costtrace: budget webhook: " + ex);
          }
        });
  }

  private void attempt(BudgetEvent e, byte[] body, int n) {
    boolean ok;
    try {
      HttpRequest request =
          HttpRequest.newBuilder(url)
              .timeout(DEFAULT_TIMEOUT)
              .header("Content-Type", "application/json")
              .header(SIGNATURE_HEADER, "sha256=" + sign(secret, body))
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      ok = status / 100 == 2;
      lastFailure = ok ? lastFailure : "HTTP " + status;
    } catch (Exception ex) {
      ok = false;
      lastFailure = ex.toString();
    }
    if (ok) {
      sent.increment();
      deliveries.markDelivered(e.conversationId(), e.limitName());
    } else if (n < maxAttempts) {
      retried.increment();
      long delay = firstBackoff.toMillis() << (n - 1);
      scheduler.schedule(() -> attempt(e, body, n + 1), delay, TimeUnit.MILLISECONDS);
    } else {
      gaveUp.increment();
      System.err.println(
          "costtrace: budget webhook "
              + url
              + " failed "
              + n
              + " times for conversation "
              + e.conversationId()
              + " ("
              + e.limitName()
              + "), last: "
              + lastFailure
              + "; giving up");
    }
  }

  /** The JSON document POSTed for an event. */
  static byte[] body(BudgetEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(
        "type",
        "costtrace.budget."
            + (e.limitName().equals("conversation_warn_usd") ? "warning" : "limit_hit"));
    m.put("conversation_id", e.conversationId());
    m.put("tenant_id", e.tenantId());
    m.put("feature", e.feature());
    m.put("service_name", e.serviceName());
    m.put("limit", e.limitName());
    m.put("limit_value", e.limitValue());
    m.put("reach", e.reach());
    m.put("action", e.action());
    m.put("source", e.source());
    m.put("model", e.model());
    if (!e.downgradedTo().isEmpty()) {
      m.put("downgraded_to", e.downgradedTo());
    }
    m.put("trace_id", e.traceId());
    m.put("span_id", e.spanId());
    m.put("time_unix_nano", e.timeEpochNanos());
    try {
      return JSON.writeValueAsBytes(m);
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Lower-case hex HMAC-SHA256 of {@code body}. */
  public static String sign(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
  }

  public long sent() {
    return sent.sum();
  }

  public long retried() {
    return retried.sum();
  }

  public long gaveUp() {
    return gaveUp.sum();
  }

  /** Stops taking events; deliveries under way go on (see {@link #awaitIdle}). */
  @Override
  public void close() {
    scheduler.shutdown();
  }

  /** After {@link #close}: waits until every queued delivery, retries included, has finished. */
  public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    return scheduler.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
  }
}
