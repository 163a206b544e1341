package dev.costtrace.agent.faults;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;

/** The test extension's entry point (listed in the jar's service file by the build). */
public final class FaultsCustomizer implements AutoConfigurationCustomizerProvider {
  @Override
  public void customize(AutoConfigurationCustomizer autoConfiguration) {
    autoConfiguration.addTracerProviderCustomizer(
        (builder, config) -> builder.addSpanProcessor(new FaultingSpanProcessor()));
  }

  @Override
  public int order() {
    return Integer.MAX_VALUE; // after CostTrace's own customizer
  }
}
