package dev.procpool.bench.soak;

/** One way in (the library, HTTP): runs its load to the end, keeping its books. */
interface SoakPath {
  void run() throws Exception;

  Books books();
}
