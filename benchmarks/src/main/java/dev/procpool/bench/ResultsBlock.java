package dev.procpool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts one script's block of results into RESULTS.md, between {@code <!-- NAME: begin -->} and
 * {@code <!-- NAME: end -->}, and leaves the rest of the file as it is: each script owns its block
 * and a re-run replaces it, so neither the figures other scripts wrote nor the analyses written by
 * hand are lost. A file without the block gets it at the end. Usage: {@code ResultsBlock
 * <RESULTS.md> <name> <block file>}.
 */
public final class ResultsBlock {
  private ResultsBlock() {}

  public static void main(String[] args) throws IOException {
    Path results = Path.of(args[0]);
    String name = args[1];
    String block = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8);
    String current = Files.exists(results) ? Files.readString(results, StandardCharsets.UTF_8) : "";
    Files.writeString(results, replace(current, name, block), StandardCharsets.UTF_8);
  }

  /** {@code text} with the block {@code name} set to {@code block}. */
  static String replace(String text, String name, String block) {
    String begin = "<!-- " + name + ": begin -->\n";
    String end = "<!-- " + name + ": end -->\n";
    String wrapped = begin + block.strip() + "\n" + end;
    int from = text.indexOf(begin);
    int to = from < 0 ? -1 : text.indexOf(end, from);
    if (from < 0 || to < 0) {
      return text.isEmpty() ? wrapped : text.stripTrailing() + "\n\n" + wrapped;
    }
    return text.substring(0, from) + wrapped + text.substring(to + end.length());
  }
}
