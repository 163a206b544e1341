package dev.costtrace.agent.it;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.concurrent.Callable;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The application for the OpenAI-compatible HTTP capture ITs, run in its own JVM with the agent.
 * Each scenario runs under an app span named {@code scenario <name>} (so the test can find the LLM
 * spans of that scenario by parent) and reports what the app saw as {@code RESULT <name> <status>
 * <bytes> <sha-256 of the body bytes>}.
 *
 * <p>Arguments: {@code <vendorBaseUrl> <otherHostBaseUrl>}; the vendor URL's host is in the agent's
 * host list, the other is not.
 */
public final class HttpCaptureTestApp {
  private static final MediaType JSON = MediaType.get("application/json");
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the"
          + " capital of France?\"}]}";
  private static final String CHAT_STREAM =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the"
          + " capital of France?\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}";

  private HttpCaptureTestApp() {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String otherHost = args[1];
    OkHttpClient http = new OkHttpClient();
    scenario("okhttp-json", () -> post(http, base + "/chat/completions", CHAT, "chat-json", 0));
    scenario(
        "okhttp-sse", () -> post(http, base + "/chat/completions", CHAT_STREAM, "chat-sse", 7));
    scenario(
        "okhttp-responses-sse",
        () ->
            post(
                http,
                base + "/responses",
                "{\"model\":\"gpt-4.1-mini\",\"input\":\"Capital of France?\",\"stream\":true}",
                "responses-sse",
                64));
    scenario(
        "okhttp-embeddings",
        () ->
            post(
                http,
                base + "/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"Paris\"}",
                "embeddings",
                0));
    scenario(
        "okhttp-429-then-200",
        () -> {
          String first = post(http, base + "/chat/completions", CHAT, "rate-limited-once", 0);
          String second = post(http, base + "/chat/completions", CHAT, "rate-limited-once", 0);
          return first + " | " + second;
        });
    scenario(
        "okhttp-error", () -> post(http, base + "/chat/completions", CHAT, "model-not-found", 0));
    scenario(
        "okhttp-malformed", () -> post(http, base + "/chat/completions", CHAT, "malformed", 3));
    scenario(
        "okhttp-closed-early",
        () -> {
          Request request = request(base + "/chat/completions", CHAT_STREAM, "chat-sse");
          try (Response response = http.newCall(request).execute()) {
            byte[] some = new byte[100];
            int n = response.body().byteStream().read(some);
            return response.code() + " read " + n;
          }
        });
    scenario(
        "okhttp-async",
        () -> {
          java.util.concurrent.CompletableFuture<String> done =
              new java.util.concurrent.CompletableFuture<>();
          http.newCall(request(base + "/chat/completions", CHAT_STREAM, "chat-sse"))
              .enqueue(
                  new okhttp3.Callback() {
                    @Override
                    public void onFailure(okhttp3.Call call, java.io.IOException e) {
                      done.completeExceptionally(e);
                    }

                    @Override
                    public void onResponse(okhttp3.Call call, Response response) {
                      try (Response r = response) {
                        byte[] bytes = r.body().bytes();
                        done.complete(r.code() + " " + bytes.length + " " + sha256(bytes));
                      } catch (Exception e) {
                        done.completeExceptionally(e);
                      }
                    }
                  });
          return done.get(30, java.util.concurrent.TimeUnit.SECONDS);
        });
    scenario(
        "okhttp-unlisted-host",
        () -> post(http, otherHost + "/chat/completions", CHAT, "chat-json", 0));
    java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient();
    scenario("jdk-json", () -> jdkPost(jdk, base + "/chat/completions", CHAT, "chat-json", 0));
    scenario("jdk-sse", () -> jdkPost(jdk, base + "/chat/completions", CHAT_STREAM, "chat-sse", 5));
    scenario(
        "jdk-429-then-200",
        () ->
            jdkPost(jdk, base + "/chat/completions", CHAT, "rate-limited-once-jdk", 0)
                + " | "
                + jdkPost(jdk, base + "/chat/completions", CHAT, "rate-limited-once-jdk", 0));
    scenario("jdk-malformed", () -> jdkPost(jdk, base + "/chat/completions", CHAT, "malformed", 0));
    // A framework-level gen_ai client span (as LangChain4j's would be) already covers the call.
    scenario(
        "okhttp-under-genai-span",
        () -> underGenAiSpan(() -> post(http, base + "/chat/completions", CHAT, "chat-json", 0)));
    scenario(
        "jdk-under-genai-span",
        () -> underGenAiSpan(() -> jdkPost(jdk, base + "/chat/completions", CHAT, "chat-json", 0)));
    if (args.length > 2 && args[2].equals("with-sdk")) {
      OpenAiCalls sdk = new OpenAiCalls(base);
      scenario("openai-sdk", sdk::chat);
      scenario("openai-sdk-async", () -> OpenAiAsyncCalls.chat(base));
    }
    System.exit(0);
  }

  /** Runs {@code body} under the app span {@code scenario <name>} and prints its outcome. */
  static void scenario(String name, Callable<String> body) {
    Span span =
        GlobalOpenTelemetry.getTracer("test-app").spanBuilder("scenario " + name).startSpan();
    String outcome;
    try (Scope ignored = span.makeCurrent()) {
      outcome = body.call();
    } catch (Exception e) {
      outcome = "exception " + e;
    } finally {
      span.end();
    }
    System.out.println("RESULT " + name + " " + outcome);
  }

  private static String underGenAiSpan(Callable<String> call) throws Exception {
    Span span =
        GlobalOpenTelemetry.getTracer("test-framework")
            .spanBuilder("chat gpt-4o-mini")
            .setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
            .setAttribute("gen_ai.operation.name", "chat")
            .setAttribute("gen_ai.provider.name", "openai")
            .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return call.call();
    } finally {
      span.end();
    }
  }

  static Request request(String url, String json, String replay) {
    return new Request.Builder()
        .url(url)
        .header("Authorization", "Bearer sk-test")
        .header("X-Replay", replay)
        .post(RequestBody.create(json, JSON))
        .build();
  }

  /**
   * Posts and reads the whole body as the app would, in reads of {@code chunk} bytes (0 = all at
   * once), and returns status, length and digest of exactly the bytes read.
   */
  private static String post(OkHttpClient http, String url, String json, String replay, int chunk)
      throws Exception {
    try (Response response = http.newCall(request(url, json, replay)).execute()) {
      byte[] bytes;
      if (chunk == 0) {
        bytes = response.body().bytes();
      } else {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[chunk];
        try (InputStream in = response.body().byteStream()) {
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            out.write(buf, 0, n);
          }
        }
        bytes = out.toByteArray();
      }
      return response.code() + " " + bytes.length + " " + sha256(bytes);
    }
  }

  /** As {@link #post} with the JDK HttpClient: ofByteArray (chunk 0) or ofInputStream. */
  static String jdkPost(
      java.net.http.HttpClient client, String url, String json, String replay, int chunk)
      throws Exception {
    java.net.http.HttpRequest request =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
            .header("Authorization", "Bearer sk-test")
            .header("Content-Type", "application/json")
            .header("X-Replay", replay)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json))
            .build();
    byte[] bytes;
    int status;
    if (chunk == 0) {
      java.net.http.HttpResponse<byte[]> response =
          client.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      status = response.statusCode();
      bytes = response.body();
    } else {
      java.net.http.HttpResponse<InputStream> response =
          client.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[chunk];
      try (InputStream in = response.body()) {
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          out.write(buf, 0, n);
        }
      }
      bytes = out.toByteArray();
    }
    return status + " " + bytes.length + " " + sha256(bytes);
  }

  static String sha256(byte[] bytes) throws Exception {
    StringBuilder hex = new StringBuilder();
    for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }
}
