package dev.costtrace.agent.googlegenai;

import com.google.genai.ResponseStream;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamCall;
import dev.costtrace.agent.genai.ObservedIterator;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * What the Google Gen AI advice calls, one static method per hook, on the foundation's {@link
 * GenAiCall} / {@link GenAiStreamCall}. Every method contains its own failures and, where it
 * returns an SDK object, returns the original one when anything goes wrong.
 *
 * <p>The SDK's {@code ApiClient} is package-private up to 1.x: it is passed around as an object and
 * read by {@link GoogleGenAiClient}. The SDK's {@code ResponseStream} is a concrete class the app
 * iterates, not an interface the advice could wrap: the call's {@link GenAiStream} is remembered
 * for the stream object (weakly, by identity) and the iterator the app gets from it is observed.
 */
public final class GoogleGenAiTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.google-genai";

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);

  /** Streams returned to the app whose span is still open. */
  private static final Map<Object, GenAiStream> OPEN_STREAMS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private GoogleGenAiTelemetry() {}

  private static GenAiRequest request(
      Object client,
      String model,
      List<Content> contents,
      GenerateContentConfig config,
      boolean streaming) {
    boolean vertex = Boolean.TRUE.equals(GoogleGenAiClient.read(client, "vertexAI"));
    return GoogleGenAiModel.request(
        model,
        contents,
        config,
        vertex,
        baseUrl(client),
        vertex ? (String) GoogleGenAiClient.read(client, "location") : null,
        streaming);
  }

  /**
   * The client's base URL; null when the SDK's default applies; {@link
   * GoogleGenAiModel#UNKNOWN_BASE_URL} when it cannot be read (then no server address is written
   * rather than a guessed one).
   */
  private static String baseUrl(Object client) {
    Object options = GoogleGenAiClient.read(client, "httpOptions");
    if (!(options instanceof HttpOptions)) {
      return GoogleGenAiModel.UNKNOWN_BASE_URL;
    }
    try {
      return ((HttpOptions) options).baseUrl().orElse(null);
    } catch (RuntimeException | LinkageError e) {
      return GoogleGenAiModel.UNKNOWN_BASE_URL;
    }
  }

  /**
   * Starts the span of a non-streamed call and makes it current, admitted by the budget; null when
   * not traced, a {@link GenAiCall.Blocked} when the budget blocks it.
   */
  public static GenAiCall start(
      Object client, String model, List<Content> contents, GenerateContentConfig config) {
    return GenAiCall.start(
        INSTRUMENTER.get(), () -> request(client, model, contents, config, false));
  }

  /**
   * The model argument with the budget's downgraded model, in the same form ({@code
   * models/gemini-2.5-pro} becomes {@code models/gemini-2.5-flash}); {@code model} itself when
   * there is none.
   */
  public static String downgraded(String model, String cheaper) {
    return GenAiBudget.downgraded(
        model, cheaper, (m, c) -> m.substring(0, m.lastIndexOf('/') + 1) + c);
  }

  public static void end(GenAiCall call, GenerateContentResponse response, Throwable error) {
    GenAiCall.end(call, response, error, GoogleGenAiTelemetry::map);
  }

  public static void endAsync(
      GenAiCall call, CompletableFuture<GenerateContentResponse> future, Throwable error) {
    GenAiCall.endWhenDone(call, future, error, GoogleGenAiTelemetry::map);
  }

  /** Starts the span of a streamed call (current until the method returns); null when not. */
  public static GenAiStreamCall startStream(
      Object client, String model, List<Content> contents, GenerateContentConfig config) {
    return GenAiStreamCall.start(
        INSTRUMENTER.get(), () -> request(client, model, contents, config, true));
  }

  /** The blocking stream call returned: its stream is remembered; the app gets it unchanged. */
  public static void streamReturned(
      GenAiStreamCall call, ResponseStream<GenerateContentResponse> response, Throwable error) {
    GenAiStreamCall.wrap(
        call,
        response,
        error,
        r -> {
          OPEN_STREAMS.put(r, call.stream());
          return r;
        });
  }

  /** The async stream call returned a future of the stream: remembered when it completes. */
  public static void streamFutureReturned(
      GenAiStreamCall call,
      CompletableFuture<ResponseStream<GenerateContentResponse>> future,
      Throwable error) {
    GenAiStreamCall.wrap(
        call,
        future,
        error,
        f -> {
          f.whenComplete(
              (r, failure) -> {
                if (failure != null || r == null) {
                  call.stream().fail(unwrap(failure));
                } else {
                  OPEN_STREAMS.put(r, call.stream());
                }
              });
          return f;
        });
  }

  /** The iterator the app reads a stream with: observed when the stream is one of ours. */
  public static <T> Iterator<T> observe(Object responseStream, Iterator<T> iterator) {
    if (iterator == null) {
      return null;
    }
    try {
      GenAiStream stream = OPEN_STREAMS.get(responseStream);
      if (stream == null || !stream.isRecording()) {
        return iterator;
      }
      return new ObservedIterator<>(iterator, new GoogleGenAiStreamRecorder(stream));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return iterator;
    }
  }

  /** The app closed a stream: its span ends with what arrived, if it is still open. */
  public static void closed(Object responseStream) {
    try {
      GenAiStream stream = OPEN_STREAMS.remove(responseStream);
      if (stream != null) {
        stream.close();
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  private static GenAiResponse map(GenerateContentResponse response) {
    return GoogleGenAiModel.response(response);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
