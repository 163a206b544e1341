package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Runs a test app's main class in a separate JVM with the built costtrace-javaagent.jar. */
public final class AgentProcess {
  private AgentProcess() {}

  /** The test classes plus the app's dependencies (vendor SDKs, OkHttp, the OTel API). */
  static String fullClasspath() throws IOException {
    String deps =
        Files.readString(Path.of(System.getProperty("costtrace.test.classpath.file"))).trim();
    return System.getProperty("costtrace.test.classes") + File.pathSeparator + deps;
  }

  /**
   * {@link #fullClasspath()} with one library's jars (entries whose path contains {@code
   * repositoryPath}, e.g. {@code /com/anthropic/}) replaced by the jars the build copied into
   * {@code jarsDir}: the same app on another version of that library.
   */
  static String classpathSwapping(String repositoryPath, Path jarsDir) throws IOException {
    List<String> entries = new ArrayList<>();
    for (String entry : fullClasspath().split(File.pathSeparator)) {
      if (!entry.replace(File.separatorChar, '/').contains(repositoryPath)) {
        entries.add(entry);
      }
    }
    try (java.util.stream.Stream<Path> jars = Files.list(jarsDir)) {
      jars.map(Path::toString).sorted().forEach(entries::add);
    }
    return String.join(File.pathSeparator, entries);
  }

  /** The pinned openai-java replaced by the older one (and what it needs beyond the pinned one). */
  static String classpathWithOlderOpenAi() throws IOException {
    return classpathSwapping(
        "/com/openai/", Path.of(System.getProperty("costtrace.test.openai-older.dir")));
  }

  /**
   * The Anthropic SDK's jars swapped for those of {@code version}, copied per version by the build.
   */
  static String classpathWithAnthropic(String version) throws IOException {
    return classpathSwapping(
        "/com/anthropic/",
        Path.of(System.getProperty("costtrace.test.anthropic.versions.dir"), version));
  }

  /**
   * The JVM arguments that load the test-only fault extension next to CostTrace's (its spans' ends
   * throw, see {@code dev.costtrace.agent.faults}) and print what CostTrace contained.
   */
  static List<String> faults() {
    return List.of(
        "-Dotel.javaagent.extensions=" + System.getProperty("costtrace.test.faults.jar"),
        "-Dcosttrace.agent.debug=true");
  }

  /** True when the app's output shows a fault of {@link #faults()} contained by CostTrace. */
  static boolean faultContained(List<String> output) {
    return output.stream().anyMatch(l -> l.contains("[costtrace] contained agent failure"))
        && output.stream().anyMatch(l -> l.contains("costtrace test fault"));
  }

  /** Runs {@code mainClass} with the agent to exit 0 and returns its output lines. */
  static List<String> run(
      String otlpEndpoint,
      String classpath,
      List<String> jvmArgs,
      Class<?> mainClass,
      String... args)
      throws Exception {
    return run(true, otlpEndpoint, classpath, jvmArgs, mainClass, args);
  }

  /** Runs {@code mainClass}, with or without the agent, to exit 0 and returns its output lines. */
  static List<String> run(
      boolean agent,
      String otlpEndpoint,
      String classpath,
      List<String> jvmArgs,
      Class<?> mainClass,
      String... args)
      throws Exception {
    return run(agent, otlpEndpoint, classpath, jvmArgs, mainClass.getName(), args);
  }

  /**
   * As {@link #run(boolean, String, String, List, Class, String...)}, for an app built elsewhere.
   */
  static List<String> run(
      boolean agent,
      String otlpEndpoint,
      String classpath,
      List<String> jvmArgs,
      String mainClass,
      String... args)
      throws Exception {
    List<String> cmd =
        command(
            agent ? System.getProperty("costtrace.agent.jar") : null,
            otlpEndpoint,
            classpath,
            jvmArgs,
            mainClass,
            args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text.lines().collect(Collectors.toList());
  }

  /**
   * The command line of an app JVM: {@code agentJar} attached ({@code null}: none), exporting
   * traces over OTLP http/protobuf to {@code otlpEndpoint}, no metrics or logs.
   */
  public static List<String> command(
      String agentJar,
      String otlpEndpoint,
      String classpath,
      List<String> jvmArgs,
      Class<?> mainClass,
      String... args) {
    return command(agentJar, otlpEndpoint, classpath, jvmArgs, mainClass.getName(), args);
  }

  static List<String> command(
      String agentJar,
      String otlpEndpoint,
      String classpath,
      List<String> jvmArgs,
      String mainClass,
      String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (agentJar != null) {
      cmd.add("-javaagent:" + agentJar);
    }
    cmd.add("-Dotel.service.name=costtrace-agent-it");
    cmd.add("-Dotel.exporter.otlp.endpoint=" + otlpEndpoint);
    cmd.add("-Dotel.exporter.otlp.protocol=http/protobuf");
    cmd.add("-Dotel.metrics.exporter=none");
    cmd.add("-Dotel.logs.exporter=none");
    cmd.add("-Dotel.bsp.schedule.delay=100");
    cmd.add("-Xshare:auto");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The outcome the app printed for {@code scenario} ({@code RESULT <scenario> <outcome>}). */
  static String result(List<String> out, String scenario) {
    String prefix = "RESULT " + scenario + " ";
    return out.stream()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no result for " + scenario + " in " + out));
  }
}
