package dev.costtrace.agent.attribution;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

class AttributionSpanProcessorTest {
  @Test
  void aFailureWhileAttributingIsContained() {
    AttributionSpanProcessor processor =
        new AttributionSpanProcessor(AttributionSettings.defaults());
    // A span whose every method throws: reading its captured headers and writing the attribution
    // both fail inside the processor, which must not let that reach whoever started the span.
    ReadWriteSpan broken =
        (ReadWriteSpan)
            Proxy.newProxyInstance(
                ReadWriteSpan.class.getClassLoader(),
                new Class<?>[] {ReadWriteSpan.class},
                (proxy, method, args) -> {
                  throw new IllegalStateException("broken span");
                });
    Context withBaggage =
        Baggage.builder()
            .put("gen_ai.conversation.id", "conv-1")
            .build()
            .storeInContext(Context.root());

    assertThatCode(() -> processor.onStart(withBaggage, broken)).doesNotThrowAnyException();
    assertThatCode(() -> processor.onStart(Context.root(), broken)).doesNotThrowAnyException();
  }
}
