package dev.costtrace.bench.agent;

import dev.costtrace.agent.http.HttpCaptureSettings;
import dev.costtrace.agent.http.LlmCallData;
import dev.costtrace.agent.http.ResponseBodyTee;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the HTTP capture adds per response: the app's own read of a body (copying it out in 8 KiB
 * reads, as any client does) beside the same read with every chunk also shown to {@link
 * ResponseBodyTee} and the usage parsed at the end. Bodies: an OpenAI chat completion JSON (~0.8
 * KB) and a streamed answer of {@code chunks} SSE events plus the final usage event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResponseTeeBenchmark {
  private static final int READ = 8192;

  @Param({"json", "sse"})
  public String body;

  private byte[] bytes;
  private boolean sse;
  private byte[] appBuffer;

  @Setup(Level.Trial)
  public void setUp() {
    sse = body.equals("sse");
    bytes = (sse ? sseStream(300) : chatJson()).getBytes(StandardCharsets.UTF_8);
    appBuffer = new byte[bytes.length];
  }

  static String chatJson() {
    return "{\"id\":\"chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF\",\"object\":\"chat.completion\","
        + "\"created\":1763800000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"Paris is the capital of France.\","
        + "\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":1342,\"completion_tokens\":9,\"total_tokens\":1351,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":1024,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
        + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
        + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_560af6e559\"}";
  }

  static String sseStream(int chunks) {
    StringBuilder sb = new StringBuilder();
    String head =
        "data: {\"id\":\"chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1763800123,\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_560af6e559\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"";
    for (int i = 0; i < chunks; i++) {
      sb.append(head)
          .append(" token")
          .append(i)
          .append(
              "\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,\"obfuscation\":\"x\"}\n\n");
    }
    sb.append(
        "data: {\"id\":\"chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1763800123,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":"
            + "{\"prompt_tokens\":2310,\"completion_tokens\":300,\"total_tokens\":2610,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":2048}}}\n\ndata: [DONE]\n\n");
    return sb.toString();
  }

  /** The application alone: its reads of the body. */
  @Benchmark
  public byte[] appReadsBody() {
    for (int off = 0; off < bytes.length; off += READ) {
      System.arraycopy(bytes, off, appBuffer, off, Math.min(READ, bytes.length - off));
    }
    return appBuffer;
  }

  /** The same reads with the tee on each chunk and the usage read at the end. */
  @Benchmark
  public LlmCallData appReadsBodyThroughTee() {
    ResponseBodyTee tee =
        new ResponseBodyTee(
            new LlmCallData(),
            sse,
            HttpCaptureSettings.DEFAULT_MAX_BODY_BYTES,
            0,
            System::nanoTime);
    for (int off = 0; off < bytes.length; off += READ) {
      int n = Math.min(READ, bytes.length - off);
      System.arraycopy(bytes, off, appBuffer, off, n);
      tee.onBytes(bytes, off, n);
    }
    return tee.finish();
  }
}
