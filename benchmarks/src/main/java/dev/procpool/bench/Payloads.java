package dev.procpool.bench;

import java.util.Arrays;

/** The payload every echo benchmark sends: 64 bytes. */
final class Payloads {
  static final byte[] ECHO_64 = new byte[64];

  static {
    Arrays.fill(ECHO_64, (byte) 'x');
  }

  private Payloads() {}
}
