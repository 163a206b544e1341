package dev.costtrace.agent.azure;

import dev.costtrace.agent.genai.GenAiSettings;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Azure OpenAI deployment names mapped to the models they serve: {@code
 * costtrace.azure.deployments} ({@code COSTTRACE_AZURE_DEPLOYMENTS}), {@code deployment=model,...},
 * the receiver's setting — the same value resolves a deployment name the same way in both places
 * (names compared lower-cased, models lower-cased). An Azure request names its deployment, not its
 * model: the span's request model is the mapped model when the table knows the deployment, else the
 * deployment name (which the receiver can still map, or prices from the response model Azure
 * reports).
 */
public final class AzureDeployments {
  public static final String PROPERTY = "costtrace.azure.deployments";

  private static volatile AzureDeployments fromSystem;

  private final Map<String, String> models;

  private AzureDeployments(Map<String, String> models) {
    this.models = models;
  }

  /**
   * Parses the setting; a part without {@code =} or with an empty side fails naming the key.
   *
   * @param properties the property lookup ({@code costtrace.x.y}, env var fallback)
   */
  public static AzureDeployments fromProperties(Function<String, String> properties) {
    String value = properties.apply(PROPERTY);
    if (value == null || value.trim().isEmpty()) {
      return new AzureDeployments(Collections.<String, String>emptyMap());
    }
    Map<String, String> models = new HashMap<>();
    for (String part : value.split(",")) {
      if (part.trim().isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String deployment = eq < 0 ? "" : part.substring(0, eq).trim();
      String model = eq < 0 ? "" : part.substring(eq + 1).trim();
      if (deployment.isEmpty() || model.isEmpty()) {
        throw new IllegalArgumentException(
            "Invalid value for "
                + PROPERTY
                + ": '"
                + value
                + "' (expected deployment=model pairs separated by commas)");
      }
      models.put(deployment.toLowerCase(Locale.ROOT), model.toLowerCase(Locale.ROOT));
    }
    return new AzureDeployments(Collections.unmodifiableMap(models));
  }

  /**
   * The table as code injected next to an SDK reads it (system property, else env); a bad value
   * counts as empty (it already failed the agent's start, naming the key).
   */
  public static AzureDeployments fromSystem() {
    AzureDeployments d = fromSystem;
    if (d == null) {
      try {
        d = fromProperties(GenAiSettings::property);
      } catch (IllegalArgumentException e) {
        d = new AzureDeployments(Collections.<String, String>emptyMap());
      }
      fromSystem = d;
    }
    return d;
  }

  /**
   * A deployment serving {@code model} (the lower-cased name in the table; the first in name order
   * when several do), or null: where a budget downgrade sends an Azure call.
   */
  public String deployment(String model) {
    if (model == null) {
      return null;
    }
    String wanted = model.trim().toLowerCase(Locale.ROOT);
    String found = null;
    for (Map.Entry<String, String> e : models.entrySet()) {
      if (e.getValue().equals(wanted) && (found == null || e.getKey().compareTo(found) < 0)) {
        found = e.getKey();
      }
    }
    return found;
  }

  /** The model {@code deployment} serves, or {@code deployment} itself when not in the table. */
  public String model(String deployment) {
    if (deployment == null) {
      return null;
    }
    String model = models.get(deployment.trim().toLowerCase(Locale.ROOT));
    return model != null ? model : deployment;
  }
}
