package dev.costtrace.demo;

import dev.costtrace.demo.vendor.RecordedVendor;
import java.util.Arrays;

/**
 * {@code vendor [--port N]}: the recorded-response vendor server; anything else runs the demo app
 * ({@link DemoApp}). One image serves both compose services.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("vendor")) {
      RecordedVendor.main(Arrays.copyOfRange(args, 1, args.length));
    } else {
      DemoApp.main(args);
    }
  }
}
