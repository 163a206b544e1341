package dev.costtrace.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Reads the deployment files (YAML with anchors and merge keys, as compose writes them). */
final class DeployFiles {
  /** The repository root (tests run in deploy/). */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private DeployFiles() {}

  static Path path(String relative) {
    return ROOT.resolve(relative);
  }

  /** Every document of a YAML file. */
  static List<Map<String, Object>> yamlDocuments(String relative) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(path(relative))) {
      for (Object doc : new Yaml(options).loadAll(r)) {
        if (doc != null) {
          docs.add(map(doc));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  static Map<String, Object> yaml(String relative) {
    List<Map<String, Object>> docs = yamlDocuments(relative);
    if (docs.size() != 1) {
      throw new AssertionError(relative + " has " + docs.size() + " documents, expected 1");
    }
    return docs.get(0);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    if (!(o instanceof Map)) {
      throw new AssertionError("expected a mapping, got " + o);
    }
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    if (!(o instanceof List)) {
      throw new AssertionError("expected a list, got " + o);
    }
    return (List<Object>) o;
  }

  /** {@code a.b.c} into nested maps; null where absent. */
  static Object at(Map<String, Object> m, String dotted) {
    Object o = m;
    for (String part : dotted.split("\\.")) {
      if (!(o instanceof Map)) {
        return null;
      }
      o = ((Map<?, ?>) o).get(part);
    }
    return o;
  }

  /**
   * Every configuration key the receiver's code reads ({@code costtrace.*}, {@code clickhouse.*}
   * literals in the main sources of the modules it runs), so that an environment variable in a
   * deployment file can be checked against what the code actually knows.
   */
  static Set<String> configKeysInCode() {
    Pattern literal = Pattern.compile("\"((?:costtrace|clickhouse)\\.[a-z0-9.]+)\"");
    Set<String> keys = new TreeSet<>();
    for (String module :
        List.of(
            "span-pricing/config",
            "span-pricing/pricing",
            "clickhouse-sink/engine",
            "clickhouse-sink/sink",
            "otlp-receiver/receiver",
            "otlp-receiver/cli")) {
      try (Stream<Path> files = Files.walk(path(module + "/src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher m = literal.matcher(Files.readString(f));
          while (m.find()) {
            keys.add(m.group(1));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return keys;
  }

  /** {@code COSTTRACE_SINK_BUFFER_DIR} → {@code costtrace.sink.buffer.dir}, as Config maps them. */
  static String propertyOf(String env) {
    return env.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
  }
}
