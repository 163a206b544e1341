package dev.costtrace.agent.attribution;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.Collections;
import java.util.List;

/**
 * Carries the attribution of an inbound request's headers in the {@link Context}, not only on the
 * server span. The span carries it only when it records: under trace sampling the server span of
 * most requests is not recorded, yet the LLM calls made while serving it are kept for their cost
 * and must still get the request's conversation, tenant, user and feature — however many unsampled
 * spans lie between them.
 *
 * <p>{@link #carry} runs as a context customizer of every instrumenter (before its span starts, so
 * the span's own processors see the result), reading the headers the HTTP server instrumentation
 * captured into the span's start attributes; {@link AttributionSpanProcessor} reads it back. Fields
 * not trusted from inbound requests ({@link AttributionField#trustInbound()}) are not carried.
 */
public final class InboundAttribution {
  private static final ContextKey<String[]> KEY = ContextKey.named("costtrace-inbound-attribution");

  /** The fields of the installed processor; none before the agent installs it. */
  private static volatile List<AttributionField> fields = Collections.emptyList();

  private InboundAttribution() {}

  /** Called once by the agent's customizer with the settings of its attribution processor. */
  public static void install(AttributionSettings settings) {
    fields = settings.fields();
  }

  /**
   * {@code context} plus the values of every attribution header captured in {@code startAttributes}
   * (per field, a header found here replaces one carried from further up); {@code context} itself
   * when there are none. Never throws.
   */
  public static Context carry(Context context, Attributes startAttributes) {
    try {
      List<AttributionField> fs = fields;
      String[] values = null;
      for (int i = 0; i < fs.size(); i++) {
        if (!fs.get(i).trustInbound()) {
          continue; // an untrusted header is never used, so never carried
        }
        String v =
            AttributionSpanProcessor.firstNonBlank(
                startAttributes.get(fs.get(i).capturedHeaderAttribute()));
        if (v != null) {
          if (values == null) {
            String[] carried = context.get(KEY);
            values =
                carried == null || carried.length != fs.size()
                    ? new String[fs.size()]
                    : carried.clone();
          }
          values[i] = v;
        }
      }
      return values == null ? context : context.with(KEY, values);
    } catch (Throwable t) {
      AttributionSpanProcessor.contain(t);
      return context;
    }
  }

  /** The value carried for field number {@code index} of the installed settings, or null. */
  static String carried(Context context, int index) {
    String[] values = context.get(KEY);
    return values == null || index >= values.length ? null : values[index];
  }
}
