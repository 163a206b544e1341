package dev.costtrace.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One provisioned dashboard file: its panels (rows flattened) and its template variables. */
public record Dashboard(Path file, JsonNode json) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every {@code *.json} dashboard in a folder, by file name. */
  public static List<Dashboard> loadAll(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Dashboard> out = new ArrayList<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        out.add(new Dashboard(f, JSON.readTree(f.toFile())));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read dashboards in " + dir + ": " + e.getMessage(), e);
    }
  }

  public String uid() {
    return json.path("uid").asText();
  }

  public String title() {
    return json.path("title").asText();
  }

  /** Every panel, including those inside rows. */
  public List<JsonNode> panels() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : json.path("panels")) {
      out.add(p);
      for (JsonNode inner : p.path("panels")) {
        out.add(inner);
      }
    }
    return out;
  }

  /** The template variables, in order. */
  public List<JsonNode> variables() {
    List<JsonNode> out = new ArrayList<>();
    json.path("templating").path("list").forEach(out::add);
    return out;
  }
}
