package dev.costtrace.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for localhost / 127.0.0.1, made at test time with the JDK's keytool and
 * written as the PEM files the receiver takes (certificate, PKCS#8 key).
 */
public record SelfSignedCert(Path certFile, Path keyFile, byte[] certPem) {

  public static SelfSignedCert create(Path dir) throws Exception {
    Path store = dir.resolve("tls.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "receiver",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Key key = ks.getKey("receiver", "changeit".toCharArray());
    String cert = pem("CERTIFICATE", ks.getCertificate("receiver").getEncoded());
    Path certFile = Files.writeString(dir.resolve("cert.pem"), cert);
    Path keyFile = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));
    return new SelfSignedCert(certFile, keyFile, cert.getBytes(StandardCharsets.US_ASCII));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
