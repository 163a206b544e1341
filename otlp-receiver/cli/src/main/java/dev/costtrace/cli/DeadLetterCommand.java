package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.DeadLetterList;
import dev.costtrace.sink.DeadLetterReplay;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.engine.EngineException;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace dead-letter}: the rows ClickHouse refused, set aside by the sink in its buffer
 * directory ({@code list}), and inserting them again once the cause is fixed ({@code replay}).
 */
@Command(
    name = "dead-letter",
    mixinStandardHelpOptions = true,
    description =
        "Rows ClickHouse refused (set aside in the buffer directory): list them, or replay them.",
    subcommands = {DeadLetterCommand.ListCommand.class, DeadLetterCommand.ReplayCommand.class})
public final class DeadLetterCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The options both subcommands take. */
  static final class Options {
    @Option(
        names = "--dir",
        description =
            "The sink's buffer directory (default: COSTTRACE_SINK_BUFFER_DIR, "
                + "else ~/.local/share/costtrace/buffer).")
    Path dir;

    @Option(
        names = "--format",
        defaultValue = "table",
        description = "table or json (default ${DEFAULT-VALUE}).")
    String format;

    /**
     * The buffer directory: {@code --dir}, else {@code costtrace.sink.buffer.dir}, else the
     * default.
     */
    Path dir(Config config) {
      return dir != null ? dir : ClickHouseSink.bufferDir(config);
    }

    /** Null when the format is known, else the message saying what it must be. */
    String badFormat(String command) {
      return format.equals("table") || format.equals("json")
          ? null
          : "costtrace dead-letter "
              + command
              + ": --format must be table or json, not '"
              + format
              + "'";
    }
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "Per dead-letter file: how many rows, why they were refused, when, and their cost.")
  static final class ListCommand implements Callable<Integer> {
    @CommandLine.Mixin Options options;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (options.badFormat("list") != null) {
        err.println(options.badFormat("list"));
        return 2;
      }
      Path d;
      List<DeadLetterList.FileSummary> files;
      try {
        d = options.dir(Config.fromEnvironment());
        files = DeadLetterList.list(d);
      } catch (ConfigException | IOException e) {
        err.println("costtrace dead-letter list: " + e.getMessage());
        return 1;
      }
      int total = 0;
      for (DeadLetterList.FileSummary f : files) {
        total += f.entries();
      }
      if (options.format.equals("json")) {
        ObjectNode root = JSON.createObjectNode().put("dir", d.toString()).put("rows", total);
        ArrayNode list = root.putArray("files");
        for (DeadLetterList.FileSummary f : files) {
          ObjectNode o =
              list.addObject()
                  .put("file", f.file().getFileName().toString())
                  .put("rows", f.entries())
                  .put("spans", f.spans())
                  .put("observations", f.observations())
                  .put("total_usd", f.totalCost().toPlainString())
                  .put("first_rejected", text(f.firstRejected()))
                  .put("last_rejected", text(f.lastRejected()))
                  .put("first_start", text(f.firstStart()))
                  .put("last_start", text(f.lastStart()))
                  .put("unreadable_lines", f.unreadable());
          ObjectNode reasons = o.putObject("reasons");
          f.reasons().forEach(reasons::put);
        }
        out.println(JSON.writeValueAsString(root));
        out.flush();
        return 0;
      }
      for (DeadLetterList.FileSummary f : files) {
        out.printf(
            "%s: %d rows (%d spans, %d observations), spans' cost %s USD%n",
            f.file().getFileName(),
            f.entries(),
            f.spans(),
            f.observations(),
            f.totalCost().toPlainString());
        if (f.entries() > 0) {
          out.printf(
              "  set aside %s .. %s; spans started %s .. %s%n",
              f.firstRejected(), f.lastRejected(), f.firstStart(), f.lastStart());
        }
        for (Map.Entry<String, Integer> r : f.reasons().entrySet()) {
          out.printf("  %6d  %s%n", r.getValue(), r.getKey());
        }
        if (f.unreadable() > 0) {
          out.printf("  %6d  unreadable lines%n", f.unreadable());
        }
      }
      out.printf("%d dead-lettered rows in %d files in %s%n", total, files.size(), d);
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Insert the dead letters again through the sink's write path and recompute their rollups.",
        "Rows are keyed: replaying twice counts nothing twice. Rows that go in leave the files; "
            + "rows still refused stay, with the new reason. Exit 1 while any still fails."
      })
  static final class ReplayCommand implements Callable<Integer> {
    @CommandLine.Mixin Options options;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (options.badFormat("replay") != null) {
        err.println(options.badFormat("replay"));
        return 2;
      }
      Config config = Config.fromEnvironment();
      try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
          Client client = endpoint.newClient("default", ClickHouseTimeouts.fromConfig(config))) {
        Path d = options.dir(config);
        List<DeadLetterReplay.FileResult> results =
            new DeadLetterReplay(
                    client, SchemaOptions.fromConfig(config), ClickHouseTimeouts.fromConfig(config))
                .replay(d);
        int replayed = 0;
        int failing = 0;
        boolean stopped = false;
        for (DeadLetterReplay.FileResult r : results) {
          stopped |= r.error() != null;
          replayed += r.error() != null ? 0 : r.replayed();
          failing += r.error() != null ? 0 : r.failing();
        }
        if (options.format.equals("json")) {
          ObjectNode root =
              JSON.createObjectNode()
                  .put("dir", d.toString())
                  .put("replayed", replayed)
                  .put("still_refused", failing)
                  .put("stopped_early", stopped);
          ArrayNode list = root.putArray("files");
          for (DeadLetterReplay.FileResult r : results) {
            ObjectNode o = list.addObject().put("file", r.file().getFileName().toString());
            if (r.error() != null) {
              o.put("error", r.error());
              continue;
            }
            o.put("replayed", r.replayed())
                .put("still_refused", r.failing())
                .put("unreadable_lines", r.unreadable());
            ObjectNode reasons = o.putObject("still_refused_reasons");
            r.stillFailing().forEach(reasons::put);
          }
          out.println(JSON.writeValueAsString(root));
        } else {
          for (DeadLetterReplay.FileResult r : results) {
            if (r.error() != null) {
              out.printf(
                  "%s: not replayed, left as it was: %s%n", r.file().getFileName(), r.error());
              continue;
            }
            out.printf(
                "%s: %d rows replayed, %d still refused%s%n",
                r.file().getFileName(),
                r.replayed(),
                r.failing(),
                r.unreadable() > 0 ? ", " + r.unreadable() + " unreadable lines dropped" : "");
            for (Map.Entry<String, Integer> e : r.stillFailing().entrySet()) {
              out.printf("  %6d  %s%n", e.getValue(), e.getKey());
            }
          }
          out.printf(
              "replayed %d dead-lettered rows from %s; %d still refused%s%n",
              replayed,
              d,
              failing,
              stopped ? "; stopped early (ClickHouse refused the writes)" : "");
        }
        out.flush();
        return failing == 0 && !stopped ? 0 : 1;
      } catch (ConfigException | EngineException | IOException | IllegalStateException e) {
        err.println("costtrace dead-letter replay: " + e.getMessage());
        return 1;
      }
    }
  }
}
