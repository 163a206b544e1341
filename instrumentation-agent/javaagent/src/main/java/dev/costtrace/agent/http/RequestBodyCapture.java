package dev.costtrace.agent.http;

import java.io.IOException;

/** Reads the request model and stream flag from a request body the caller already bounded. */
public final class RequestBodyCapture {
  private RequestBodyCapture() {}

  /** Fills what the body says; a body that is not JSON leaves the call unchanged. */
  public static void read(byte[] body, int length, LlmCallData into) {
    if (body == null || length <= 0) {
      return;
    }
    try {
      OpenAiPayloads.readRequest(body, length, into);
    } catch (IOException | RuntimeException e) {
      // not JSON (e.g. a multipart upload): no request model
    }
  }
}
