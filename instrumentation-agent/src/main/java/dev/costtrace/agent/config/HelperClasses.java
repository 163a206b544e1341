package dev.costtrace.agent.config;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The helper class names an instrumentation module must have injected next to the library it
 * instruments, read from the extension jar itself: every class under the given package paths
 * except the module's own advice-side classes ({@code *InstrumentationModule}, {@code
 * *Instrumentation}, {@code *Advice}). Without muzzle this is how Maven builds list them, and
 * reading the jar keeps the list right as classes are added.
 */
public final class HelperClasses {
  private HelperClasses() {}

  public static List<String> in(Class<?> module, String... packagePaths) {
    List<String> names = new ArrayList<>();
    try {
      URL location = module.getProtectionDomain().getCodeSource().getLocation();
      try (JarFile jar = new JarFile(new java.io.File(location.toURI()))) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          String name = entries.nextElement().getName();
          if (!name.endsWith(".class") || name.endsWith("package-info.class")) {
            continue;
          }
          for (String p : packagePaths) {
            if (name.startsWith(p) && isHelper(name)) {
              names.add(name.substring(0, name.length() - ".class".length()).replace('/', '.'));
              break;
            }
          }
        }
      }
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      // Not a jar (class directories in a unit test): no helpers, the module still loads.
      return Collections.emptyList();
    }
    Collections.sort(names);
    return names;
  }

  private static boolean isHelper(String entry) {
    String simple = entry.substring(entry.lastIndexOf('/') + 1, entry.length() - 6);
    String outer = simple.contains("$") ? simple.substring(0, simple.indexOf('$')) : simple;
    return !outer.endsWith("InstrumentationModule") && !outer.endsWith("Instrumentation");
  }
}
