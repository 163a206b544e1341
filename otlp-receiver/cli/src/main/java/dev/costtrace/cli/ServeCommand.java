package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import dev.costtrace.cli.demo.DemoWorkload;
import dev.costtrace.config.Config;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.normalize.AttributionKeys;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.budget.ReceiverBudgetSetup;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.metrics.EngineMetricsSource;
import dev.costtrace.receiver.metrics.InfraAllocatorMetricsSource;
import dev.costtrace.receiver.metrics.QuietConversations;
import dev.costtrace.receiver.metrics.RollupCheckMetricsSource;
import dev.costtrace.receiver.metrics.SinkMetricsSource;
import dev.costtrace.receiver.metrics.SpendMetrics;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.receiver.pipeline.SpanValidation;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.infra.InfraAllocator;
import dev.costtrace.sink.infra.InfraRulesFile;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.report.CostReport;
import dev.costtrace.sink.rollup.RollupCheck;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace serve}: finds ClickHouse (a server or the embedded engine), applies the schema,
 * and receives OTLP on 4317 (gRPC) and 4318 (HTTP) until SIGTERM / Ctrl-C, then drains and flushes.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Receive OTLP traces, price LLM and tool spans, store them in ClickHouse.")
public final class ServeCommand implements Callable<Integer> {
  @Option(
      names = "--grpc-port",
      description = "OTLP/gRPC port (default 4317; costtrace.grpc.port).")
  Integer grpcPort;

  @Option(
      names = "--http-port",
      description = "OTLP/HTTP port (default 4318; costtrace.http.port).")
  Integer httpPort;

  @Option(
      names = "--demo",
      description = "Send a realistic demo workload first, print the report, then keep serving.")
  boolean demo;

  @Option(names = "--demo-only", description = "Like --demo, then stop.")
  boolean demoOnly;

  @Option(
      names = "--demo-conversations",
      defaultValue = "300",
      description = "Conversations in the demo (default ${DEFAULT-VALUE}).")
  int demoConversations;

  /** The tenant the in-process demo sends as when bearer-token auth is on. */
  static final String DEMO_TENANT = "demo";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Released to stop a running serve (tests); SIGTERM does the same through the shutdown hook. */
  final CountDownLatch stop = new CountDownLatch(1);

  volatile OtlpReceiver receiver;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Config config = Config.fromEnvironment();
    // Settings that can be wrong are read before anything starts: a bad one fails fast.
    BearerTokens tokens =
        config
            .getString(BearerTokens.CONFIG_KEY)
            .map(f -> BearerTokens.builder(Path.of(f)).build())
            .orElse(null);
    Optional<String> tlsCert = config.getString("costtrace.tls.cert.file");
    Optional<String> tlsKey = config.getString("costtrace.tls.key.file");
    if (tlsCert.isPresent() != tlsKey.isPresent()) {
      String missing = tlsCert.isPresent() ? "costtrace.tls.key.file" : "costtrace.tls.cert.file";
      throw Config.invalid(
          missing, "", "TLS needs both costtrace.tls.cert.file and costtrace.tls.key.file");
    }
    SchemaOptions schema = SchemaOptions.fromConfig(config);
    SpanValidation validation = SpanValidation.fromConfig(config);
    RollupCheck.Builder check = RollupCheck.builder(schema).fromConfig(config);
    InfraAllocator.Builder infra = InfraAllocator.builder(schema).fromConfig(config);
    OtlpReceiver.Builder b = OtlpReceiver.builder();
    if (tlsCert.isPresent()) {
      try {
        b.tls(Path.of(tlsCert.get()), Path.of(tlsKey.get()));
      } catch (IllegalArgumentException e) {
        throw Config.invalid("costtrace.tls.cert.file", tlsCert.get(), e.getMessage());
      }
    }
    config.getString("costtrace.host").ifPresent(b::host);
    set("costtrace.worker.threads", config.getInt("costtrace.worker.threads"), b::workerThreads);
    set("costtrace.worker.queue", config.getInt("costtrace.worker.queue"), b::queueCapacity);
    set(
        "costtrace.memory.budget",
        config.getBytes("costtrace.memory.budget"),
        b::memoryBudgetBytes);
    set(
        "costtrace.max.request.bytes",
        config.getBytes("costtrace.max.request.bytes"),
        b::maxRequestBytes);
    b.grpcPort(
        grpcPort != null
            ? grpcPort
            : config.getPort("costtrace.grpc.port").orElse(OtlpReceiver.Builder.DEFAULT_GRPC_PORT));
    b.httpPort(
        httpPort != null
            ? httpPort
            : config.getPort("costtrace.http.port").orElse(OtlpReceiver.Builder.DEFAULT_HTTP_PORT));
    out.println("costtrace: finding ClickHouse...");
    out.flush();
    ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
    out.println("costtrace: using " + endpoint);
    if (config.getBoolean("costtrace.clickhouse.migrate").orElse(true)) {
      try (Client client = CostTrace.client(endpoint, config)) {
        int applied = new Migrator(client, schema).up();
        out.println(
            "costtrace: schema " + schema.database() + " up to date (" + applied + " applied)");
      }
    }
    ClickHouseSink sink = ClickHouseSink.builder(config, endpoint).build();
    SpanPricer pricer = SpanPricer.fromConfig(config);
    out.println(
        "costtrace: "
            + pricer.tables().catalog().modelCount()
            + " priced models, catalog "
            + pricer.tables().version());
    Duration attributionWindow =
        config.getDuration("costtrace.attribution.window").orElse(TraceAttributor.DEFAULT_WINDOW);
    SpendMetrics.Builder spend = SpendMetrics.builder().window(attributionWindow);
    set(
        "costtrace.metrics.max.label.values",
        config.getInt("costtrace.metrics.max.label.values"),
        spend::maxLabelValues);
    Client budgetClient = CostTrace.client(endpoint, config);
    ReceiverBudgetSetup budgets =
        ReceiverBudgetSetup.fromConfig(config, budgetClient, schema.database());
    PricingPipeline pipeline =
        PricingPipeline.builder(sink)
            .pricer(pricer)
            .keys(AttributionKeys.fromConfig(config))
            .attributor(
                new TraceAttributor(
                    attributionWindow,
                    config
                        .getInt("costtrace.attribution.max.traces")
                        .orElse(TraceAttributor.DEFAULT_MAX_TRACES)))
            .spend(spend.build())
            .validation(validation)
            .acceptedSpans(budgets.budgets())
            .build();
    b.metrics(budgets.budgets());
    b.consumer(pipeline);
    if (tokens != null) {
      b.auth(tokens);
      out.println(
          "costtrace: bearer-token auth on, "
              + tokens.size()
              + " tokens from "
              + config.getString(BearerTokens.CONFIG_KEY).orElseThrow());
    }
    b.metrics(pipeline)
        .metrics(new SinkMetricsSource(sink::metrics))
        .metrics(new EngineMetricsSource(endpoint::engineStatus));
    boolean api = config.getBoolean("costtrace.api.enabled").orElse(true);
    boolean quietMetrics = config.getBoolean("costtrace.metrics.quiet.enabled").orElse(true);
    Client readClient = api || quietMetrics ? CostTrace.client(endpoint, config) : null;
    long timeout =
        config
            .getDuration("costtrace.api.query.timeout")
            .map(Duration::toSeconds)
            .orElse(ConversationCosts.DEFAULT_MAX_EXECUTION_SECONDS);
    ConversationCosts reads =
        readClient == null ? null : new ConversationCosts(readClient, schema.database(), timeout);
    if (api) {
      // The conversation endpoint shows the budget state; the agents' budgets read their spend
      // there.
      b.costApi(reads, budgets::budgets);
    }
    QuietConversations quiet = null;
    if (quietMetrics) {
      QuietConversations.Builder q = QuietConversations.builder(reads);
      set(
          "costtrace.metrics.quiet.after",
          config.getDuration("costtrace.metrics.quiet.after"),
          q::quietAfter);
      set(
          "costtrace.metrics.quiet.interval",
          config.getDuration("costtrace.metrics.quiet.interval"),
          q::interval);
      quiet = q.build();
      b.metrics(quiet);
    }
    check.settle(() -> sink.flush(Duration.ofSeconds(30)));
    RollupCheck rollupCheck =
        check.enabled()
            ? check.client(CostTrace.client(endpoint, config), true).build().start()
            : null;
    if (rollupCheck != null) {
      b.metrics(new RollupCheckMetricsSource(rollupCheck::status));
    }
    InfraAllocator allocator =
        infra.enabled() ? infra.client(CostTrace.client(endpoint, config), true).build() : null;
    if (allocator != null) {
      b.metrics(new InfraAllocatorMetricsSource(allocator::status));
      out.println(
          "costtrace: infrastructure cost rules from "
              + config.getString(InfraRulesFile.CONFIG_KEY).orElseThrow());
    }
    receiver = b.start();
    if (quiet != null) {
      quiet.start();
    }
    if (allocator != null) {
      allocator.start();
    }
    // SIGTERM / Ctrl-C: the hook holds the JVM open until the receiver has drained and the sink
    // has flushed (what ClickHouse has not taken by then stays in the durable buffer).
    CountDownLatch drained = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                drained.await(2, TimeUnit.MINUTES);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "costtrace-serve-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "costtrace: receiving OTLP/gRPC on :"
            + receiver.grpcPort()
            + " and OTLP/HTTP on :"
            + receiver.httpPort()
            + " (POST /v1/traces)");
    out.println(
        "costtrace: point your exporter at it, e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:"
            + receiver.httpPort());
    if (api) {
      out.println(
          "costtrace: cost API on :"
              + receiver.httpPort()
              + "/api/v1/ (OpenAPI: /api/v1/openapi.json)");
    }
    out.flush();
    if (demo || demoOnly) {
      out.println(
          "costtrace: sending the demo workload (" + demoConversations + " conversations)...");
      out.flush();
      long before = pipeline.spansReceived();
      DemoWorkload.Summary sent;
      // With auth on, the demo sends under a token made for this process (tenant "demo"); with TLS
      // on, over https trusting the configured certificate, which must name 127.0.0.1.
      String base =
          (tlsCert.isPresent() ? "https" : "http") + "://127.0.0.1:" + receiver.httpPort();
      byte[] trusted = tlsCert.isPresent() ? Files.readAllBytes(Path.of(tlsCert.get())) : null;
      try (BearerTokens.Grant grant = tokens != null ? tokens.grantEphemeral(DEMO_TENANT) : null) {
        if (grant != null) {
          out.println("costtrace: auth is on: the demo sends as tenant '" + DEMO_TENANT + "'");
          out.flush();
        }
        sent =
            DemoWorkload.send(
                new DemoWorkload.Target(base, grant != null ? grant.token() : null, trusted),
                demoConversations,
                42);
      }
      // The SDK's exports can still be in the receiver when it returns: report only on all of it.
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (pipeline.spansReceived() - before < sent.spans() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (pipeline.spansReceived() - before < sent.spans()) {
        out.println(
            "costtrace: warning: the receiver got "
                + (pipeline.spansReceived() - before)
                + " of the demo's "
                + sent.spans()
                + " spans");
      }
      if (!sink.flush(Duration.ofMinutes(2))) {
        out.println(
            "costtrace: warning: ClickHouse has not taken everything yet; the report may lag");
      }
      out.printf(
          "costtrace: demo sent %d conversations, %d turns, %d LLM calls, %d tool calls%n%n",
          sent.conversations(), sent.turns(), sent.llmCalls(), sent.toolCalls());
      try (Client client = CostTrace.client(endpoint, config)) {
        ReportCommand.print(
            out,
            new CostReport(client, schema.database())
                .run(CostReport.By.CONVERSATION, 10, Duration.ofDays(7)),
            false);
      }
      out.println();
      if (demoOnly) {
        stop.countDown();
      } else {
        out.println(
            "costtrace: still serving for your own app; Ctrl-C stops. Later: bin/costtrace report");
      }
      out.flush();
    }
    stop.await();
    out.println("costtrace: draining and flushing...");
    out.flush();
    try {
      receiver.shutdown(Duration.ofSeconds(10));
      if (rollupCheck != null) {
        rollupCheck.close();
      }
      if (allocator != null) {
        allocator.close();
      }
      if (quiet != null) {
        quiet.close();
      }
      if (readClient != null) {
        readClient.close();
      }
      sink.close();
      budgets.close();
      budgetClient.close();
      pricer.close();
      endpoint.close();
    } finally {
      drained.countDown();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
    return 0;
  }

  /** Applies a setting to a builder; a value the builder refuses fails fast naming the key. */
  static <T> void set(String key, Optional<T> value, Consumer<T> setter) {
    value.ifPresent(
        v -> {
          try {
            setter.accept(v);
          } catch (IllegalArgumentException e) {
            throw Config.invalid(key, String.valueOf(v), e.getMessage());
          }
        });
  }
}
