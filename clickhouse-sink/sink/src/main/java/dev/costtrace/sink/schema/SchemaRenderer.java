package dev.costtrace.sink.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders migration templates. Slots: {@code {db}}; {@code {local}} (empty on one server, {@code
 * _local} on a cluster, where the plain name is the Distributed table); {@code {on_cluster}} (on a
 * replicated cluster); {@code {cluster}}; {@code {engine:X}} (X, or ReplicatedX on a replicated
 * cluster); {@code {ttl:column}} (a TTL clause, or nothing); {@code {sync_insert}} (after an {@code
 * INSERT ... SELECT}: on a cluster, the settings that make it write through the Distributed tables
 * synchronously, see {@link ClusterConsistency}; nothing on one server). A statement starting with
 * {@code /* cluster-only *}{@code /} is rendered only on a cluster.
 */
public final class SchemaRenderer {
  private static final Pattern ENGINE = Pattern.compile("\\{engine:([A-Za-z]+(?:\\([^)]*\\))?)}");
  private static final Pattern TTL = Pattern.compile("\\{ttl:([a-z_]+)}");
  private static final String CLUSTER_ONLY = "/* cluster-only */";

  private final SchemaOptions options;

  public SchemaRenderer(SchemaOptions options) {
    this.options = options;
  }

  /** The statements of one migration file, rendered, comments and blank statements dropped. */
  public List<String> render(String template) {
    List<String> out = new ArrayList<>();
    for (String raw : template.split(";\\s*(?:\\n|$)")) {
      String statement = stripLineComments(raw).trim();
      if (statement.isEmpty()) {
        continue;
      }
      if (statement.startsWith(CLUSTER_ONLY)) {
        if (!options.clustered()) {
          continue;
        }
        statement = statement.substring(CLUSTER_ONLY.length()).trim();
      }
      out.add(slots(statement));
    }
    return out;
  }

  private String slots(String s) {
    boolean c = options.clustered();
    String r =
        s.replace("{db}", options.database())
            .replace("{local}", c ? "_local" : "")
            .replace(
                "{on_cluster}", c && options.replicated() ? "ON CLUSTER " + options.cluster() : "")
            .replace("{cluster}", c ? options.cluster() : "")
            .replace(
                "{sync_insert}",
                c
                    ? "SETTINGS distributed_foreground_insert = 1, insert_quorum = 'auto',"
                        + " insert_quorum_parallel = 0, select_sequential_consistency = 1"
                    : "");
    Matcher e = ENGINE.matcher(r);
    r =
        e.replaceAll(
            m ->
                Matcher.quoteReplacement(
                    c && options.replicated() ? "Replicated" + m.group(1) : m.group(1)));
    Matcher t = TTL.matcher(r);
    long seconds = options.ttl().getSeconds();
    r =
        t.replaceAll(
            m ->
                seconds == 0
                    ? ""
                    : Matcher.quoteReplacement(
                        "TTL toDateTime(" + m.group(1) + ") + INTERVAL " + seconds + " SECOND"));
    return r.replaceAll("[ \\t]+\\n", "\n").replaceAll(" {2,}", " ");
  }

  private static String stripLineComments(String s) {
    StringBuilder b = new StringBuilder();
    for (String line : s.split("\n")) {
      String trimmed = line.trim();
      if (!trimmed.startsWith("--")) {
        b.append(line).append('\n');
      }
    }
    return b.toString();
  }
}
