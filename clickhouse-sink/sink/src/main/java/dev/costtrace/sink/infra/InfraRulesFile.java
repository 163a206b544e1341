package dev.costtrace.sink.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The rules file of {@code COSTTRACE_INFRA_COSTS}, read again when it changes (its modification
 * time, size or file key), looked at each time {@link #get()} is called (the allocator's every
 * run). At start a file that cannot be read or parsed is an error naming the file, the rule, its
 * line and the key ({@link #open}); later, a bad version keeps the rules last read and logs why
 * once per change.
 */
public final class InfraRulesFile implements Supplier<InfraRules> {
  /** The setting naming the file. */
  public static final String CONFIG_KEY = "costtrace.infra.costs";

  private static final Logger LOG = Logger.getLogger(InfraRulesFile.class.getName());

  private final Path file;
  private volatile InfraRules rules;
  private volatile String stamp;
  private volatile String lastError;

  private InfraRulesFile(Path file) {
    this.file = file;
    this.stamp = stamp(file);
    this.rules = read(file);
  }

  /**
   * Reads the file now.
   *
   * @throws IllegalArgumentException when it cannot be read or is not valid rules, naming the file
   */
  public static InfraRulesFile open(Path file) {
    return new InfraRulesFile(Objects.requireNonNull(file, "file"));
  }

  /** The rules in force, after reading the file again if it changed. */
  @Override
  public InfraRules get() {
    String s = stamp(file);
    if (!s.equals(stamp)) {
      synchronized (this) {
        if (!s.equals(stamp)) {
          stamp = s;
          try {
            InfraRules fresh = read(file);
            if (!fresh.version().equals(rules.version())) {
              LOG.info(
                  "costtrace infra: "
                      + fresh.rules().size()
                      + " rules from "
                      + file
                      + " (version "
                      + fresh.version()
                      + ")");
            }
            rules = fresh;
            lastError = null;
          } catch (IllegalArgumentException e) {
            lastError = e.getMessage();
            LOG.warning(
                "costtrace infra: keeping the rules in force (version "
                    + rules.version()
                    + "): "
                    + e.getMessage());
          }
        }
      }
    }
    return rules;
  }

  /** Why the file's current content is not in force, or null when it is. */
  public String lastError() {
    return lastError;
  }

  public Path file() {
    return file;
  }

  private static InfraRules read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    }
    try {
      return InfraRules.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static String stamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
    } catch (IOException e) {
      return "missing";
    }
  }
}
