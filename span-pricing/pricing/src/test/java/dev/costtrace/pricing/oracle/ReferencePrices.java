package dev.costtrace.pricing.oracle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.pricing.TokenUsage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference implementation: {@code calcPrice} of the npm package {@code @pydantic/genai-prices}
 * at the version pinned in {@code span-pricing/pricing/genai-prices} (its package.json and lock
 * file), run in Node.js. Installed on first use into {@code ~/.cache/costtrace/genai-prices-<hash
 * of those files>} under a file lock, as the embedded ClickHouse engine installs chDB, and run once
 * per batch of cases: JSON in on standard input, JSON out.
 */
public final class ReferencePrices {
  private static final String RESOURCES = "/dev/costtrace/pricing/oracle/";
  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "oracle.mjs");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private ReferencePrices() {}

  /** Prices every case with the reference, in one Node.js process. */
  public static Batch calcPrice(List<Case> cases) {
    JsonNode out = run(cases);
    List<Result> results = new ArrayList<>(cases.size());
    for (JsonNode r : out.get("results")) {
      if (r.has("error")) {
        results.add(new Result(null, "", r.get("error").asText()));
      } else if (r.get("total").isNull()) {
        results.add(new Result(null, "", null));
      } else {
        results.add(new Result(r.get("total").decimalValue(), r.get("entry").asText(), null));
      }
    }
    if (results.size() != cases.size()) {
      throw new IllegalStateException(
          "the reference answered " + results.size() + " of " + cases.size() + " cases");
    }
    return new Batch(
        out.get("version").asText(),
        out.get("providers").asInt(),
        out.get("models").asInt(),
        results);
  }

  /**
   * Times the reference's {@code calcPrice} on these cases, round-robin: as long a warm-up, then
   * {@code seconds} measured.
   */
  public static Timing time(List<Case> cases, int seconds) {
    JsonNode out = run(cases, "--time", Integer.toString(seconds));
    return new Timing(
        out.get("version").asText(),
        out.get("ns_per_call").asDouble(),
        out.get("cpu_ns_per_call").asDouble(),
        out.get("calls").asLong());
  }

  private static JsonNode run(List<Case> cases, String... args) {
    Path dir = install();
    ObjectNode in = JSON.createObjectNode();
    ArrayNode list = in.putArray("cases");
    for (Case c : cases) {
      ObjectNode o = list.addObject();
      o.put("provider", c.provider());
      o.put("model", c.model());
      o.put("at", c.at().toString());
      o.set("usage", usage(c.usage()));
    }
    List<String> command = new ArrayList<>(List.of("node", "oracle.mjs"));
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("oracle.log").toFile()))
              .start();
      try (OutputStream stdin = p.getOutputStream()) {
        JSON.writeValue(stdin, in);
      }
      JsonNode out;
      try (InputStream stdout = p.getInputStream()) {
        out = JSON.readTree(stdout);
      }
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || out == null) {
        p.destroyForcibly();
        throw new IllegalStateException("node oracle.mjs failed; see " + dir.resolve("oracle.log"));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("the reference needs Node.js on the PATH", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running the reference", e);
    }
  }

  /**
   * The reference's usage keys for disjoint token classes: {@code input_tokens} and {@code
   * output_tokens} are totals, the other keys parts of them.
   */
  static ObjectNode usage(TokenUsage u) {
    ObjectNode o = JSON.createObjectNode();
    o.put("input_tokens", u.totalInput());
    putPositive(o, "cache_read_tokens", u.cacheRead());
    putPositive(o, "cache_write_tokens", u.cacheWrite());
    putPositive(o, "cache_write_1h_tokens", u.cacheWrite1h());
    putPositive(o, "input_audio_tokens", u.audioInput());
    o.put("output_tokens", u.totalOutput());
    putPositive(o, "output_reasoning_tokens", u.reasoning());
    putPositive(o, "output_audio_tokens", u.audioOutput());
    return o;
  }

  private static void putPositive(ObjectNode o, String key, long value) {
    if (value > 0) {
      o.put(key, value);
    }
  }

  /** Copies the package files into a directory named by their hash and installs them once. */
  static synchronized Path install() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      List<byte[]> contents = new ArrayList<>();
      for (String f : FILES) {
        try (InputStream in = ReferencePrices.class.getResourceAsStream(RESOURCES + f)) {
          if (in == null) {
            throw new IllegalStateException("test resource " + RESOURCES + f + " missing");
          }
          contents.add(in.readAllBytes());
        }
        digest.update(contents.get(contents.size() - 1));
      }
      Path dir =
          Path.of(
              System.getProperty("user.home"),
              ".cache",
              "costtrace",
              "genai-prices-" + HexFormat.of().formatHex(digest.digest(), 0, 6));
      Files.createDirectories(dir);
      // Test forks and the benchmark may install at once: one does, the others wait.
      try (FileChannel channel =
              FileChannel.open(
                  dir.resolve(".install.lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        for (int i = 0; i < FILES.size(); i++) {
          Files.write(dir.resolve(FILES.get(i)), contents.get(i));
        }
        Path marker = dir.resolve("node_modules/.costtrace-installed");
        if (!Files.exists(marker)) {
          npmCi(dir);
          Files.writeString(marker, "ok");
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void npmCi(Path dir) throws IOException {
    Path log = dir.resolve("npm-install.log");
    Process p =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "npm ci of the genai-prices reference failed: " + Files.readString(log));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing the reference", e);
    }
  }

  /**
   * One call to price.
   *
   * @param provider the provider id as the reference knows it
   * @param model the model id as the API names it
   * @param at when the call was made
   * @param usage its disjoint token classes
   */
  public record Case(String provider, String model, Instant at, TokenUsage usage) {}

  /**
   * The reference's answer.
   *
   * @param total USD, or null when it does not price the model (or failed)
   * @param entry {@code provider/model} of the entry that priced it, or empty
   * @param error why {@code calcPrice} threw, or null
   */
  public record Result(BigDecimal total, String entry, String error) {}

  /** The answers to a batch, in case order, with the reference's version and size. */
  public record Batch(String version, int providers, int models, List<Result> results) {}

  /**
   * Time per {@code calcPrice} call.
   *
   * @param version the reference's version
   * @param nsPerCall wall-clock time
   * @param cpuNsPerCall the Node.js process's CPU time (every thread)
   * @param calls calls measured
   */
  public record Timing(String version, double nsPerCall, double cpuNsPerCall, long calls) {}
}
