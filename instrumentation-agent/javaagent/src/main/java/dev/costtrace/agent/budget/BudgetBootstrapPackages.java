package dev.costtrace.agent.budget;

import com.google.auto.service.AutoService;
import io.opentelemetry.javaagent.tooling.bootstrap.BootstrapPackagesBuilder;
import io.opentelemetry.javaagent.tooling.bootstrap.BootstrapPackagesConfigurer;
import java.io.File;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarFile;

/**
 * Puts the budget API ({@code dev.costtrace.budget.api}: the exception apps catch, {@code
 * ConversationBudgets.remaining}, the gate) on the bootstrap class path, and tells the agent to
 * load that package from there for every class loader. So the {@code
 * ConversationBudgetExceededException} an app catches is the one the agent throws, whether or not
 * the app ships the API jar itself (child-first and app-server class loaders included), and the
 * gate is one per JVM. Runs before any instrumentation is installed. The API jar is embedded in the
 * extension ({@link #API_JAR}) and written to a temporary file, as the JVM appends only files to
 * the bootstrap search path.
 */
@AutoService(BootstrapPackagesConfigurer.class)
public final class BudgetBootstrapPackages implements BootstrapPackagesConfigurer {
  static final String API_PACKAGE = "dev.costtrace.budget.api";
  static final String API_JAR = "dev/costtrace/agent/budget/costtrace-budget-api.jar";
  private static final String INSTRUMENTATION_HOLDER =
      "io.opentelemetry.javaagent.bootstrap.InstrumentationHolder";

  private static volatile boolean appended;

  @Override
  public void configure(BootstrapPackagesBuilder builder) {
    builder.add(API_PACKAGE);
    appendApiToBootstrap();
  }

  /** Whether the API is on the bootstrap class path (budgets are off when it is not). */
  static boolean apiOnBootstrap() {
    return appended;
  }

  /** Idempotent; contains its failures (logged once: budgets are then off). */
  public static synchronized void appendApiToBootstrap() {
    if (appended) {
      return;
    }
    try (InputStream in =
        BudgetBootstrapPackages.class.getClassLoader().getResourceAsStream(API_JAR)) {
      if (in == null) {
        AgentBudgets.log(
            "costtrace budgets: the budget API is missing from the extension; budgets are off");
        return;
      }
      File jar = File.createTempFile("costtrace-budget-api", ".jar");
      jar.deleteOnExit();
      Files.copy(in, jar.toPath(), StandardCopyOption.REPLACE_EXISTING);
      // The agent keeps the Instrumentation in a bootstrap holder; by name, as it is not an API.
      Class<?> holder = Class.forName(INSTRUMENTATION_HOLDER, false, null);
      Instrumentation inst = (Instrumentation) holder.getMethod("getInstrumentation").invoke(null);
      inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
      appended = true;
    } catch (Throwable t) {
      AgentBudgets.log(
          "costtrace budgets: cannot put the budget API on the bootstrap class path ("
              + t
              + "); budgets are off");
    }
  }
}
