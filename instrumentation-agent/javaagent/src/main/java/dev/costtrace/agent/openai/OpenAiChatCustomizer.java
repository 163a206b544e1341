package dev.costtrace.agent.openai;

import com.google.auto.service.AutoService;
import dev.costtrace.agent.genai.GenAiSpans;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizer;
import io.opentelemetry.instrumentation.api.incubator.instrumenter.InstrumenterCustomizerProvider;
import io.opentelemetry.instrumentation.api.instrumenter.ContextCustomizer;

/**
 * Found by the agent through {@link AutoService}; for the upstream OpenAI instrumenter only, adds
 * {@link OpenAiChatAttributesExtractor} and marks the span's context as a gen_ai client span (the
 * one-span rule of {@link GenAiSpans}).
 */
@AutoService(InstrumenterCustomizerProvider.class)
public final class OpenAiChatCustomizer implements InstrumenterCustomizerProvider {
  static final String UPSTREAM_INSTRUMENTATION_PREFIX = "io.opentelemetry.openai-java";

  @Override
  public void customize(InstrumenterCustomizer customizer) {
    if (!customizer.getInstrumentationName().startsWith(UPSTREAM_INSTRUMENTATION_PREFIX)) {
      return;
    }
    ContextCustomizer<Object> mark =
        (context, request, attributes) -> GenAiSpans.markActive(context);
    customizer.addAttributesExtractor(OpenAiChatAttributesExtractor.create());
    customizer.addContextCustomizer(mark);
  }
}
