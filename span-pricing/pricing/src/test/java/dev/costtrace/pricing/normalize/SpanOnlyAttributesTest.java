package dev.costtrace.pricing.normalize;

import static dev.costtrace.pricing.Attrs.of;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the normaliser reads from a span's own attributes only, for the row beside the pricing
 * facts: each emitter's time to first token in nanoseconds, and the error type.
 */
class SpanOnlyAttributesTest {
  private static NormalizedSpan span(Object... kv) {
    return SpanNormalizer.normalize(of(kv), List.of(), 1L);
  }

  @Test
  void readsTheAgentsNanosAndOthersSeconds() {
    assertThat(
            span("costtrace.gen_ai.time_to_first_token_ns", 412_000_000L).timeToFirstTokenNanos())
        .isEqualTo(412_000_000L);
    assertThat(span("gen_ai.server.time_to_first_token", 0.25).timeToFirstTokenNanos())
        .isEqualTo(250_000_000L);
    assertThat(span("gen_ai.response.time_to_first_chunk", "1.5").timeToFirstTokenNanos())
        .isEqualTo(1_500_000_000L);
    assertThat(span("gen_ai.server.time_to_first_token", -1.0).timeToFirstTokenNanos())
        .isEqualTo(-1);
    assertThat(span().timeToFirstTokenNanos()).isEqualTo(-1);
    assertThat(
            span(
                    "costtrace.gen_ai.time_to_first_token_ns",
                    -5L,
                    "gen_ai.server.time_to_first_token",
                    0.5)
                .timeToFirstTokenNanos())
        .as("an implausible nanosecond figure gives way to the seconds")
        .isEqualTo(500_000_000L);
  }

  @Test
  void theFirstErrorTypeOfTheSpanNotOfItsResource() {
    assertThat(span("error.type", "timeout", "error.type", "later").errorType())
        .isEqualTo("timeout");
    assertThat(span("error.type", 429L).errorType()).isEqualTo("429");
    assertThat(span().errorType()).isEmpty();
    assertThat(
            SpanNormalizer.normalize(
                    of("gen_ai.request.model", "gpt-4o"), of("error.type", "resource-wide"), 1L)
                .errorType())
        .as("a resource's error.type is not the span's")
        .isEmpty();
    assertThat(
            SpanNormalizer.normalize(of(), of("gen_ai.server.time_to_first_token", 0.25), 1L)
                .timeToFirstTokenNanos())
        .isEqualTo(-1);
  }

  @Test
  void aResourceReadOnceGivesWhatReadingItPerSpanGives() {
    SpanNormalizer n = SpanNormalizer.defaults();
    var resource =
        of("gen_ai.system", "openai", "service.name", "svc", "session.id", "from-resource");
    var spanAttributes =
        of(
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.usage.input_tokens",
            100L,
            "gen_ai.conversation.id",
            "c-1");
    assertThat(n.read(spanAttributes, n.resource(resource), 7L))
        .isEqualTo(SpanNormalizer.normalize(spanAttributes, resource, 7L));
    assertThat(n.read(spanAttributes, n.resource(resource), 7L).provider()).isEqualTo("openai");
    assertThat(n.read(spanAttributes, n.resource(resource), 7L).conversationId()).isEqualTo("c-1");
  }
}
