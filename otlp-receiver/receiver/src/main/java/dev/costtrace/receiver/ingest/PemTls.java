package dev.costtrace.receiver.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A JDK {@link SSLContext} from PEM files: the certificate chain (leaf first) and an unencrypted
 * PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}, RSA or EC) — the same files gRPC's
 * {@code TlsServerCredentials} takes, so both ports serve one certificate.
 */
final class PemTls {
  private PemTls() {}

  static SSLContext serverContext(Path certFile, Path keyFile) {
    try {
      Collection<? extends Certificate> chain;
      try (InputStream in = Files.newInputStream(certFile)) {
        chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + certFile);
      }
      PrivateKey key = privateKey(keyFile);
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("costtrace", key, password, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot use the TLS certificate "
              + certFile
              + " with key "
              + keyFile
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static PrivateKey privateKey(Path keyFile) throws IOException, GeneralSecurityException {
    String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN PRIVATE KEY-----";
    int start = pem.indexOf(begin);
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException(
          keyFile
              + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY);"
              + " convert it with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }
}
