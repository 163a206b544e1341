package dev.costtrace.agent.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The helper classes instrumentation modules have injected next to the library they instrument.
 * Without muzzle (a Gradle plugin) they must be listed; the build writes the list into the
 * extension jar ({@code dev/costtrace/agent/helper-classes.txt}: our HTTP capture classes and the
 * relocated jackson-core, advice-side classes excluded), so it stays right as classes are added.
 */
public final class HelperClasses {
  static final String RESOURCE = "dev/costtrace/agent/helper-classes.txt";

  private HelperClasses() {}

  /**
   * The listed helper classes under any of {@code packagePrefixes} (dotted); a prefix starting with
   * {@code !} excludes (the wiring for another library must not be injected: its classes could not
   * be defined where that library is absent).
   */
  public static List<String> under(Class<?> module, String... packagePrefixes) {
    List<String> names = new ArrayList<>();
    try (InputStream in = module.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return Collections.emptyList();
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        String name = line.trim().replace('/', '.');
        if (!name.isEmpty() && included(name, packagePrefixes)) {
          names.add(name);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (Boolean.getBoolean("costtrace.agent.debug")) {
        System.err.println("costtrace: cannot list helper classes of " + module + ": " + e);
      }
      return Collections.emptyList();
    }
    return names;
  }

  static boolean included(String name, String... prefixes) {
    boolean in = false;
    for (String prefix : prefixes) {
      if (prefix.startsWith("!")) {
        if (name.startsWith(prefix.substring(1))) {
          return false;
        }
      } else if (name.startsWith(prefix)) {
        in = true;
      }
    }
    return in;
  }
}
