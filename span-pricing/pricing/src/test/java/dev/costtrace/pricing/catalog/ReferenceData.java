package dev.costtrace.pricing.catalog;

import java.nio.file.Files;
import java.nio.file.Path;

/** The reference copy of the upstream genai-prices data, in shared/ beside the repository. */
final class ReferenceData {
  private ReferenceData() {}

  /** Fails, never skips, when shared/ is not beside the repository. */
  static Path file(String name) {
    Path cwd = Path.of("").toAbsolutePath();
    for (Path dir = cwd; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/pricing-sources/genai-prices").resolve(name);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(
        "reference " + name + " not found in shared/pricing-sources/genai-prices above " + cwd
            + ": CI clones the repository with shared/ beside it");
  }
}
