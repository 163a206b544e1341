package dev.costtrace.pricing.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The reference copy of the upstream genai-prices data, a test resource of this module (see
 * {@code reference/SOURCE.md} beside it): the tests need nothing outside the repository.
 */
final class ReferenceData {
  private static final String DIR = "/dev/costtrace/pricing/catalog/reference/";

  private ReferenceData() {}

  /** The content of a reference file ({@code data.json}, {@code data.schema.json}). */
  static byte[] bytes(String name) {
    try (InputStream in = ReferenceData.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new AssertionError("test resource " + DIR + name + " missing");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
