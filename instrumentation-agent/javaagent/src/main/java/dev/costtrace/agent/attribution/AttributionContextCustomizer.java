package dev.costtrace.agent.attribution;

import com.google.auto.service.AutoService;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizer;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizerProvider;
import io.opentelemetry.instrumentation.api.instrumenter.ContextCustomizer;

/**
 * Found by the agent through {@link AutoService}: gives every instrumenter the {@link
 * InboundAttribution} context customizer, so an inbound request's attribution headers travel in the
 * context whether or not its spans are sampled.
 */
@AutoService(InstrumenterCustomizerProvider.class)
public final class AttributionContextCustomizer implements InstrumenterCustomizerProvider {
  static final ContextCustomizer<Object> CARRY =
      (context, request, startAttributes) -> InboundAttribution.carry(context, startAttributes);

  @Override
  public void customize(InstrumenterCustomizer customizer) {
    customizer.addContextCustomizer(CARRY);
  }
}
