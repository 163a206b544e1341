package dev.costtrace.agent.config;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.attribution.AttributionSettings;
import dev.costtrace.agent.attribution.AttributionSpanProcessor;
import dev.costtrace.agent.attribution.InboundAttribution;
import dev.costtrace.agent.attribution.InboundBaggageFilter;
import dev.costtrace.agent.azure.AzureDeployments;
import dev.costtrace.agent.budget.AgentBudgets;
import dev.costtrace.agent.budget.BudgetBootstrapPackages;
import dev.costtrace.agent.genai.GenAiSettings;
import dev.costtrace.agent.http.HttpCaptureSettings;
import dev.costtrace.agent.sampling.GenAiKeepingSampler;
import dev.costtrace.agent.sampling.SamplingSettings;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Found by the upstream agent through {@link AutoService}: installs the attribution span processor
 * and wraps the configured sampler ({@link GenAiKeepingSampler}). Configuration uses the agent's
 * own property resolution, so {@code -Dcosttrace.agent.conversation.header=...} and {@code
 * COSTTRACE_AGENT_CONVERSATION_HEADER=...} are equivalent.
 */
@AutoService(AutoConfigurationCustomizerProvider.class)
public final class CostTraceAgentCustomizer implements AutoConfigurationCustomizerProvider {
  static final String CAPTURE_SERVER_HEADERS =
      "otel.instrumentation.http.server.capture-request-headers";
  static final String UPSTREAM_CAPTURE_CONTENT =
      "otel.instrumentation.genai.capture-message-content";

  @Override
  public void customize(AutoConfigurationCustomizer autoConfiguration) {
    autoConfiguration
        .addPropertiesCustomizer(CostTraceAgentCustomizer::captureAttributionHeaders)
        // Inbound baggage must not set the fields not trusted from requests (the tenant by
        // default).
        .addPropagatorCustomizer(
            (propagator, config) ->
                new InboundBaggageFilter(propagator, settings(config).untrustedBaggageKeys()))
        .addTracerProviderCustomizer(
            (builder, config) -> {
              AttributionSettings settings = settings(config);
              InboundAttribution.install(settings);
              installBudgets(config);
              return builder.addSpanProcessor(new AttributionSpanProcessor(settings));
            })
        .addSamplerCustomizer(CostTraceAgentCustomizer::sampler)
        .addResourceCustomizer(CostTraceAgentCustomizer::resource);
  }

  /**
   * The budget API goes on the bootstrap class path first (the agent may run this before its
   * bootstrap-packages SPI): the engine's classes link against it. Any failure leaves budgets off
   * and the agent running.
   */
  static void installBudgets(ConfigProperties config) {
    try {
      BudgetBootstrapPackages.appendApiToBootstrap();
      AgentBudgets.install(config::getString, settings(config));
    } catch (Throwable t) {
      java.util.logging.Logger.getLogger("dev.costtrace.budget")
          .warning("costtrace budgets: cannot start (" + t + "); budgets are OFF");
    }
  }

  /** Says on the resource that every gen_ai span is kept, when it is. */
  static Resource resource(Resource configured, ConfigProperties config) {
    return SamplingSettings.fromProperties(config::getString).keepGenAiSpans()
        ? configured.merge(
            Resource.create(Attributes.of(GenAiKeepingSampler.KEEPS_GENAI_SPANS, true)))
        : configured;
  }

  /**
   * The configured sampler, wrapped so that every LLM call's span is kept (unless {@code
   * costtrace.agent.keep-genai-spans=false}).
   */
  static Sampler sampler(Sampler configured, ConfigProperties config) {
    return SamplingSettings.fromProperties(config::getString).keepGenAiSpans()
        ? GenAiKeepingSampler.wrap(configured)
        : configured;
  }

  static AttributionSettings settings(ConfigProperties config) {
    return AttributionSettings.fromProperties(config::getString);
  }

  /** Adds our headers to whatever the user already captures, never replacing their list. */
  static Map<String, String> captureAttributionHeaders(ConfigProperties config) {
    Set<String> headers = new LinkedHashSet<>();
    for (String h : config.getList(CAPTURE_SERVER_HEADERS)) {
      headers.add(h.trim().toLowerCase(Locale.ROOT));
    }
    headers.addAll(settings(config).headerNames());
    // Fail fast at start, naming the key, on a bad costtrace.agent.http.* or
    // costtrace.azure.deployments value; the injected code reads them again where it runs.
    HttpCaptureSettings.fromProperties(config::getString);
    AzureDeployments.fromProperties(config::getString);
    Map<String, String> out = new LinkedHashMap<>();
    out.put(CAPTURE_SERVER_HEADERS, String.join(",", headers));
    // Content capture is opt-in: only costtrace.agent.capture.content=true turns the upstream
    // switch on; otherwise the upstream default (off) or the user's own setting stays.
    if (GenAiSettings.fromProperties(config::getString).captureContent()) {
      out.put(UPSTREAM_CAPTURE_CONTENT, "true");
    }
    return out;
  }
}
