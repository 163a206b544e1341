package dev.costtrace.agent.bedrock;

import com.google.auto.service.AutoService;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizer;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizerProvider;

/**
 * Found by the agent through {@link AutoService}: adds {@link BedrockSpanExtractor} to the upstream
 * {@code aws-sdk-2.2} instrumenters (it writes only on Bedrock Runtime spans). Upstream's span is
 * extended, never doubled.
 */
@AutoService(InstrumenterCustomizerProvider.class)
public final class BedrockCustomizer implements InstrumenterCustomizerProvider {
  static final String UPSTREAM_INSTRUMENTATION = "io.opentelemetry.aws-sdk-2.2";

  @Override
  public void customize(InstrumenterCustomizer customizer) {
    if (!customizer.getInstrumentationName().equals(UPSTREAM_INSTRUMENTATION)) {
      return;
    }
    customizer.addAttributesExtractor(BedrockSpanExtractor.create());
  }
}
