package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static dev.costtrace.agent.it.OtlpTestBackend.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;

/** What a span made for a call answered by a recorded OpenAI response must say, per recording. */
final class OpenAiFixtures {
  private OpenAiFixtures() {}

  /** {@code fixtures/openai/chat-completion.json}: gpt-4o-mini, 1342 in (1024 cached), 9 out. */
  static void assertChatCompletion(Span span) {
    assertThat(span.getName()).isEqualTo("chat gpt-4o-mini");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(string(span, "gen_ai.operation.name")).contains("chat");
    assertThat(string(span, "gen_ai.provider.name")).contains("openai");
    assertThat(string(span, "gen_ai.request.model")).contains("gpt-4o-mini");
    assertThat(string(span, "gen_ai.response.model")).contains("gpt-4o-mini-2024-07-18");
    assertThat(string(span, "gen_ai.response.id"))
        .contains("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(1342L);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(9L);
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1024L);
    assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(0L);
  }
}
