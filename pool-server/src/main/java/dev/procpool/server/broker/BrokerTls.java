package dev.procpool.server.broker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context of an {@code amqps://} broker connection: the broker's certificate must chain to
 * a trusted CA, the JDK's own by default or those of a trust store given by the operator (a PEM
 * file of certificates, or a PKCS12/JKS store, its password in {@code
 * PROCPOOL_BROKER_TRUST_STORE_PASSWORD}). The host name is checked by the connection factory
 * ({@code useSslProtocol(SSLContext)} turns that on). The client library's own {@code amqps}
 * default trusts every certificate: never used.
 */
final class BrokerTls {
  static final String TRUST_STORE_ENV = "PROCPOOL_BROKER_TRUST_STORE";
  static final String TRUST_STORE_PASSWORD_ENV = "PROCPOOL_BROKER_TRUST_STORE_PASSWORD";

  private BrokerTls() {}

  /** A context trusting {@code trustStore}'s certificates, or the JDK's CAs when it is null. */
  static SSLContext context(Path trustStore) throws IOException, GeneralSecurityException {
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trustStore == null ? null : load(trustStore)); // null: the JDK's cacerts
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }

  private static KeyStore load(Path trustStore) throws IOException, GeneralSecurityException {
    byte[] bytes = Files.readAllBytes(trustStore);
    if (new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII)
        .contains("-----BEGIN")) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      try (InputStream in = Files.newInputStream(trustStore)) {
        for (Certificate certificate :
            CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca-" + i++, certificate);
        }
      }
      if (i == 0) {
        throw new IOException(trustStore + " holds no certificate");
      }
      return store;
    }
    String password = System.getenv(TRUST_STORE_PASSWORD_ENV);
    return KeyStore.getInstance(
        trustStore.toFile(), password == null ? null : password.toCharArray());
  }
}
