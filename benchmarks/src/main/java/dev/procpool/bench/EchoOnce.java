package dev.procpool.bench;

import dev.procpool.server.demo.Echo;

/** A whole JVM for one echo job: what a persistent pool avoids. Prints the result and exits. */
public final class EchoOnce {
  public static void main(String[] args) {
    System.out.write(new Echo().handle(args[0].getBytes(), null), 0, args[0].length());
    System.out.flush();
  }
}
