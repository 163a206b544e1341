package dev.costtrace.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ResponseBodyTeeTest {
  private final AtomicLong now = new AtomicLong(1_000);

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = ResponseBodyTeeTest.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  /** Feeds the body in chunks of {@code chunk} bytes, as a socket would deliver it. */
  private LlmCallData read(byte[] body, boolean sse, int chunk, int maxBytes) {
    ResponseBodyTee tee = new ResponseBodyTee(new LlmCallData(), sse, maxBytes, 0, now::get);
    for (int off = 0; off < body.length; off += chunk) {
      now.addAndGet(10);
      tee.onBytes(body, off, Math.min(chunk, body.length - off));
    }
    return tee.finish();
  }

  @Test
  void chatCompletionJsonGivesUsageIdModelAndFinishReason() throws IOException {
    LlmCallData call = read(fixture("fixtures/openai/chat-completion.json"), false, 7, 4 << 20);
    assertThat(call.responseId()).isEqualTo("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(call.responseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(call.finishReasons()).containsExactly("stop");
    assertThat(call.inputTokens()).isEqualTo(1342L);
    assertThat(call.outputTokens()).isEqualTo(9L);
    assertThat(call.cacheReadTokens()).isEqualTo(1024L);
    assertThat(call.reasoningTokens()).isEqualTo(0L);
    assertThat(call.serviceTier()).isEqualTo("default");
    assertThat(call.timeToFirstTokenNanos()).isNull();
    assertThat(call.errorType()).isNull();
  }

  @Test
  void chatStreamTakesUsageFromTheLastChunkAndTimesTheFirstContent() throws IOException {
    byte[] body = fixture("fixtures/openai-compatible/chat-completion-stream.sse");
    for (int chunk : new int[] {1, 13, 4096}) {
      now.set(0);
      LlmCallData call = read(body, true, chunk, 4 << 20);
      assertThat(call.responseId()).isEqualTo("chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE");
      assertThat(call.responseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
      assertThat(call.finishReasons()).containsExactly("stop");
      assertThat(call.inputTokens()).isEqualTo(2310L);
      assertThat(call.outputTokens()).isEqualTo(7L);
      assertThat(call.cacheReadTokens()).isEqualTo(2048L);
      assertThat(call.timeToFirstTokenNanos()).isPositive();
    }
  }

  @Test
  void firstTokenIsTheFirstNonEmptyContentNotTheRoleChunk() throws IOException {
    byte[] body = fixture("fixtures/openai-compatible/chat-completion-stream.sse");
    String text = new String(body, StandardCharsets.UTF_8);
    int secondEvent = text.indexOf("data:", 1);
    ResponseBodyTee tee = new ResponseBodyTee(new LlmCallData(), true, 1 << 20, 0, now::get);
    now.set(100);
    tee.onBytes(body, 0, secondEvent); // role-only chunk with content ""
    now.set(250);
    tee.onBytes(body, secondEvent, body.length - secondEvent);
    assertThat(tee.finish().timeToFirstTokenNanos()).isEqualTo(250L);
  }

  @Test
  void crlfLineEndingsAreHandled() throws IOException {
    byte[] body =
        new String(
                fixture("fixtures/openai-compatible/chat-completion-stream.sse"),
                StandardCharsets.UTF_8)
            .replace("\n", "\r\n")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(read(body, true, 5, 1 << 20).inputTokens()).isEqualTo(2310L);
  }

  @Test
  void ollamaStreamUsage() throws IOException {
    LlmCallData call =
        read(
            fixture("fixtures/openai-compatible/ollama-chat-completion-stream.sse"),
            true,
            64,
            1 << 20);
    assertThat(call.responseModel()).isEqualTo("llama3.2:3b");
    assertThat(call.inputTokens()).isEqualTo(33L);
    assertThat(call.outputTokens()).isEqualTo(8L);
    assertThat(call.cacheReadTokens()).isNull();
    assertThat(call.finishReasons()).containsExactly("stop");
  }

  @Test
  void responsesApiJsonAndStream() throws IOException {
    LlmCallData json =
        read(fixture("fixtures/openai-compatible/responses.json"), false, 100, 1 << 20);
    assertThat(json.responseId()).isEqualTo("resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708");
    assertThat(json.responseModel()).isEqualTo("o4-mini-2025-04-16");
    assertThat(json.inputTokens()).isEqualTo(1536L);
    assertThat(json.cacheReadTokens()).isEqualTo(1280L);
    assertThat(json.outputTokens()).isEqualTo(212L);
    assertThat(json.reasoningTokens()).isEqualTo(192L);
    assertThat(json.finishReasons()).containsExactly("completed");

    LlmCallData stream =
        read(fixture("fixtures/openai-compatible/responses-stream.sse"), true, 33, 1 << 20);
    assertThat(stream.responseId()).isEqualTo("resp_68d1f1b7a0c48190a2b3c4d5e6f70819");
    assertThat(stream.responseModel()).isEqualTo("gpt-4.1-mini-2025-04-14");
    assertThat(stream.inputTokens()).isEqualTo(41L);
    assertThat(stream.outputTokens()).isEqualTo(8L);
    assertThat(stream.finishReasons()).containsExactly("completed");
    assertThat(stream.timeToFirstTokenNanos()).isNotNull();
  }

  @Test
  void embeddingsUsage() throws IOException {
    LlmCallData call =
        read(fixture("fixtures/openai-compatible/embeddings.json"), false, 50, 1 << 20);
    assertThat(call.responseModel()).isEqualTo("text-embedding-3-small");
    assertThat(call.inputTokens()).isEqualTo(8L);
    assertThat(call.outputTokens()).isNull();
  }

  @Test
  void errorBodyGivesTheErrorTypeAndNoUsage() throws IOException {
    LlmCallData call =
        read(fixture("fixtures/openai-compatible/error-429.json"), false, 50, 1 << 20);
    assertThat(call.errorType()).isEqualTo("tokens");
    assertThat(call.inputTokens()).isNull();
    LlmCallData notFound =
        read(fixture("fixtures/openai-compatible/error-model-not-found.json"), false, 50, 1 << 20);
    assertThat(notFound.errorType()).isEqualTo("invalid_request_error");
  }

  @Test
  void jsonBodyPastTheCapIsNotParsedAndHoldsNoBuffer() throws IOException {
    byte[] body = fixture("fixtures/openai/chat-completion.json");
    LlmCallData call = read(body, false, 16, body.length - 1);
    assertThat(call.inputTokens()).isNull();
    assertThat(call.responseId()).isNull();
  }

  @Test
  void sseEventPastTheCapIsSkippedAndLaterEventsStillRead() throws IOException {
    String big = "data: {\"choices\":[{\"delta\":{\"content\":\"" + "x".repeat(5000) + "\"}}]}\n\n";
    String usage =
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n";
    LlmCallData call = read((big + usage).getBytes(StandardCharsets.UTF_8), true, 100, 1000);
    assertThat(call.inputTokens()).isEqualTo(3L);
    assertThat(call.outputTokens()).isEqualTo(2L);
  }

  @Test
  void malformedBodiesLeaveEveryFieldUnknown() {
    for (String body :
        new String[] {
          "{\"usage\": {\"prompt_tokens\": ", "<html>502 Bad Gateway</html>", "[1,2", ""
        }) {
      LlmCallData call = read(body.getBytes(StandardCharsets.UTF_8), false, 3, 1 << 20);
      assertThat(call.inputTokens()).isNull();
      assertThat(call.errorType()).isNull();
    }
    LlmCallData sse =
        read(
            "data: {not json\n\ndata: {\"usage\":{\"prompt_tokens\":5}}\n\n"
                .getBytes(StandardCharsets.UTF_8),
            true,
            4,
            1 << 20);
    assertThat(sse.inputTokens()).isEqualTo(5L);
  }

  @Test
  void requestModelAndStreamFlag() throws IOException {
    LlmCallData call = new LlmCallData();
    byte[] req = fixture("fixtures/openai-compatible/chat-completion-request.json");
    RequestBodyCapture.read(req, req.length, call);
    assertThat(call.requestModel()).isEqualTo("gpt-4o-mini");
    assertThat(call.stream()).isTrue();
    LlmCallData notJson = new LlmCallData();
    RequestBodyCapture.read(new byte[] {1, 2, 3}, 3, notJson);
    assertThat(notJson.requestModel()).isNull();
  }

  @Test
  void onlyEventsThatMayCarryCallDataAreParsedOnceContentStarted() {
    assertThat(may("{\"usage\": {\"prompt_tokens\":1}}")).isTrue();
    assertThat(may("{\"usage\":null,\"x\":1}")).isFalse();
    assertThat(may("{\"finish_reason\":\"stop\"}")).isTrue();
    assertThat(may("{\"finish_reason\":null}")).isFalse();
    assertThat(may("{\"type\":\"response.completed\",\"response\":{}}")).isTrue();
    assertThat(may("{\"error\":{\"type\":\"server_error\"}}")).isTrue();
  }

  @Test
  void midStreamErrorEventIsReported() {
    String stream =
        "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
            + "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\" there\"}}]}\n\n"
            + "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n";
    LlmCallData call = read(b(stream), true, 9, 1 << 20);
    assertThat(call.errorType()).isEqualTo("server_error");
    assertThat(call.timeToFirstTokenNanos()).isNotNull();
  }

  private static boolean may(String event) {
    byte[] bytes = b(event);
    return ResponseBodyTee.mayCarryCallData(bytes, bytes.length);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void eventStreamContentType() {
    assertThat(ResponseBodyTee.isEventStream("text/event-stream; charset=utf-8")).isTrue();
    assertThat(ResponseBodyTee.isEventStream("application/json")).isFalse();
    assertThat(ResponseBodyTee.isEventStream(null)).isFalse();
  }
}
