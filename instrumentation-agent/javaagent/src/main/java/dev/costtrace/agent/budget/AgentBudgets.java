package dev.costtrace.agent.budget;

import dev.costtrace.agent.attribution.AttributionSettings;
import dev.costtrace.budget.BudgetEngine;
import dev.costtrace.budget.BudgetSettings;
import dev.costtrace.budget.CallPricer;
import dev.costtrace.budget.ReceiverSpendClient;
import dev.costtrace.budget.api.internal.BudgetGate;
import java.net.URI;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Builds the budget engine from the agent's configuration and installs it as the JVM's gate, at
 * agent start. Budgets are off (the gate stays unset, instrumentation skips every check) when no
 * limit or rules file is configured, on a runtime older than Java 17 (span-pricing, which prices
 * the estimate, is Java 17: one log line says so), or when a setting is bad (one log line naming
 * the key: the app runs, unprotected, rather than not at all).
 */
public final class AgentBudgets {
  private static final Logger LOG = Logger.getLogger("dev.costtrace.budget");
  private static final boolean DEBUG = Boolean.getBoolean("costtrace.agent.debug");
  static final String PRICER_CLASS = "dev.costtrace.agent.budget.SpanPricerCallPricer";

  private AgentBudgets() {}

  /**
   * @param config the agent's property lookup ({@code ConfigProperties::getString})
   */
  public static void install(
      java.util.function.Function<String, String> config, AttributionSettings attribution) {
    BudgetSettings settings;
    try {
      settings = BudgetSettings.from(config);
    } catch (IllegalArgumentException e) {
      log("costtrace budgets: " + e.getMessage() + "; budgets are OFF");
      return;
    }
    if (!settings.enabled()) {
      return;
    }
    if (javaVersion() < 17) {
      log(
          "costtrace budgets: need Java 17+ (the price catalog runs on 17), this is Java "
              + System.getProperty("java.version")
              + "; budgets are OFF");
      return;
    }
    if (!BudgetBootstrapPackages.apiOnBootstrap()) {
      return; // already logged
    }
    try {
      CallPricer pricer =
          (CallPricer)
              Class.forName(PRICER_CLASS, true, AgentBudgets.class.getClassLoader())
                  .getMethod("fromEnvironment")
                  .invoke(null);
      BudgetEngine.Builder engine =
          BudgetEngine.builder(settings, pricer)
              .serviceName(config.apply("otel.service.name"))
              .log(AgentBudgets::log);
      String endpoint = endpoint(settings, config);
      if (endpoint != null) {
        engine.remote(
            new ReceiverSpendClient(
                endpoint,
                authorization(config),
                (int) Math.min(Integer.MAX_VALUE, settings.remoteTimeoutMillis())));
      }
      BudgetGate.Holder.set(new AgentBudgetGate(engine.build(), attribution));
    } catch (Throwable t) {
      Throwable cause = t.getCause() != null ? t.getCause() : t;
      log("costtrace budgets: " + cause.getMessage() + "; budgets are OFF");
      debug(t);
    }
  }

  /**
   * Where the receiver is asked for cross-process spend: {@code costtrace.budget.endpoint}, else
   * the OTLP traces (or general) endpoint's scheme, host and port when the exporter speaks HTTP,
   * else that host on the receiver's HTTP port 4318 (gRPC exporters), else {@code
   * http://localhost:4318}; none with {@code costtrace.budget.remote.enabled=false}.
   */
  static String endpoint(
      BudgetSettings settings, java.util.function.Function<String, String> config) {
    if (!settings.remoteEnabled()) {
      return null;
    }
    if (settings.endpoint() != null) {
      return settings.endpoint();
    }
    String otlp = config.apply("otel.exporter.otlp.traces.endpoint");
    if (otlp == null) {
      otlp = config.apply("otel.exporter.otlp.endpoint");
    }
    String protocol = config.apply("otel.exporter.otlp.traces.protocol");
    if (protocol == null) {
      protocol = config.apply("otel.exporter.otlp.protocol");
    }
    boolean grpc = "grpc".equals(protocol);
    if (otlp == null) {
      return "http://localhost:4318";
    }
    URI uri = URI.create(otlp.trim());
    int port = grpc ? 4318 : uri.getPort();
    return uri.getScheme() + "://" + uri.getHost() + (port > 0 ? ":" + port : "");
  }

  /** The exporter's own {@code Authorization} header (a receiver with auth on wants its token). */
  static String authorization(java.util.function.Function<String, String> config) {
    for (String key :
        new String[] {"otel.exporter.otlp.traces.headers", "otel.exporter.otlp.headers"}) {
      String headers = config.apply(key);
      if (headers == null) {
        continue;
      }
      for (String h : headers.split(",")) {
        int eq = h.indexOf('=');
        if (eq > 0 && h.substring(0, eq).trim().equalsIgnoreCase("authorization")) {
          try {
            return java.net.URLDecoder.decode(h.substring(eq + 1).trim(), "UTF-8");
          } catch (java.io.UnsupportedEncodingException e) {
            return h.substring(eq + 1).trim();
          }
        }
      }
    }
    return null;
  }

  static int javaVersion() {
    String v = System.getProperty("java.specification.version", "1.8");
    return v.startsWith("1.")
        ? Integer.parseInt(v.substring(2))
        : Integer.parseInt(v.split("\\.")[0]);
  }

  static void log(String line) {
    LOG.warning(line);
  }

  static void debug(Throwable t) {
    if (DEBUG) {
      LOG.log(Level.WARNING, "costtrace budgets: contained failure", t);
    }
  }
}
