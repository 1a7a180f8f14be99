package dev.procpool.server.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amqps://} verifies the broker: against a TLS server of the test's own (a self-signed
 * certificate for {@code localhost} made with keytool), the handshake fails without a trust store
 * that holds it and for a name the certificate was not issued to, and succeeds with one. There is
 * no TLS broker here, so the server stops after the handshake; the test checks the handshake.
 */
class BrokerTlsTest {
  @TempDir Path dir;
  private Path trustStore;
  private SSLServerSocket server;
  private final CompletableFuture<Boolean> handshake = new CompletableFuture<>();

  @BeforeEach
  void startTlsServer() throws Exception {
    Path keyStore = dir.resolve("server.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost",
        "-validity",
        "2",
        "-keystore",
        keyStore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    trustStore = dir.resolve("ca.pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "broker",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-file",
        trustStore.toString());
    KeyStore keys = KeyStore.getInstance(keyStore.toFile(), "changeit".toCharArray());
    KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    km.init(keys, "changeit".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(km.getKeyManagers(), null, null);
    server =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
    Thread accept =
        new Thread(
            () -> {
              try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.setSoTimeout(10_000);
                try {
                  socket.startHandshake();
                  handshake.complete(true);
                } catch (IOException refused) {
                  handshake.complete(false);
                }
              } catch (IOException e) {
                handshake.complete(false);
              }
            },
            "test-tls-server");
    accept.setDaemon(true);
    accept.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  private static void keytool(String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool hung");
    assertEquals(0, p.exitValue(), "keytool: " + out);
  }

  private String url(String host) {
    return "amqps://" + host + ":" + server.getLocalPort();
  }

  @Test
  void certificateNotTrusted_refusedWithAClearError() {
    IOException e =
        assertThrows(
            IOException.class, () -> BrokerLink.connect(url("localhost"), null, null, "t"));
    assertTrue(e.getMessage().startsWith("TLS with the broker localhost:"), e.getMessage());
    assertTrue(e.getMessage().contains("trust store"), e.getMessage());
  }

  @Test
  void trustedCertificate_handshakeSucceeds() throws Exception {
    // The test server speaks no AMQP after the handshake: the connection itself fails later.
    assertThrows(
        Exception.class, () -> BrokerLink.connect(url("localhost"), null, trustStore, "t"));
    assertTrue(handshake.get(30, TimeUnit.SECONDS), "the handshake went through");
  }

  @Test
  void trustedCertificate_otherHostName_refused() throws Exception {
    // Issued for localhost only: 127.0.0.1 is not a name it carries.
    IOException e =
        assertThrows(
            IOException.class, () -> BrokerLink.connect(url("127.0.0.1"), null, trustStore, "t"));
    assertTrue(e.getMessage().startsWith("TLS with the broker 127.0.0.1:"), e.getMessage());
    assertFalse(handshake.get(30, TimeUnit.SECONDS));
  }

  @Test
  void amqpsToAPlaintextPort_failsWithAClearError() {
    // The local broker's plain AMQP listener.
    IOException e =
        assertThrows(
            IOException.class, () -> BrokerLink.connect("amqps://127.0.0.1:5672", null, null, "t"));
    assertTrue(
        e.getMessage().startsWith("TLS with the broker 127.0.0.1:5672 failed"), e.getMessage());
  }

  @Test
  void trustStoreWithPlainAmqp_refused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BrokerLink.factory("amqp://127.0.0.1:5672", null, trustStore));
    assertEquals(
        "a broker trust store needs an amqps:// URL: amqp://127.0.0.1:5672", e.getMessage());
  }

  @Test
  void amqps_factoryUsesTls_plainAmqp_doesNot() throws Exception {
    assertTrue(BrokerLink.factory(url("localhost"), null, null).isSSL());
    assertFalse(BrokerLink.factory("amqp://127.0.0.1:5672", null, null).isSSL());
  }

  @Test
  void pkcs12TrustStore_accepted() throws Exception {
    Path p12 = dir.resolve("trust.p12");
    // A password-less trust store (no password in the environment): certificates unencrypted.
    keytool(
        "-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE",
        "-J-Dkeystore.pkcs12.macAlgorithm=NONE",
        "-importcert",
        "-noprompt",
        "-alias",
        "ca",
        "-file",
        trustStore.toString(),
        "-keystore",
        p12.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    assertThrows(Exception.class, () -> BrokerLink.connect(url("localhost"), null, p12, "t"));
    assertTrue(handshake.get(30, TimeUnit.SECONDS), "the handshake went through");
  }
}
