package dev.procpool.server.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The repository's Markdown documentation (README.md and docs/), read for the documentation tests:
 * its prose lines (code blocks left out), its headings' anchors as GitHub makes them, and its
 * tables. Test code; reads files only.
 */
public final class MarkdownPages {
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern LINK_IN_TEXT = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");

  private MarkdownPages() {}

  /** The repository root: the module's parent directory, where README.md is. */
  public static Path root() {
    Path module = Path.of("").toAbsolutePath();
    for (Path dir = module; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("docs"))) {
        return dir;
      }
    }
    throw new AssertionError("no README.md with a docs/ directory above " + module);
  }

  /** README.md and every .md under docs/, sorted. */
  public static List<Path> pages(Path root) {
    List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
    try (Stream<Path> docs = Files.walk(root.resolve("docs"), 8)) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pages;
  }

  /**
   * The lines of a page with fenced code blocks blanked (so line numbers stay true), since a link
   * or heading in a code sample is not one.
   */
  public static List<String> proseLines(Path page) {
    List<String> lines;
    try {
      lines = Files.readAllLines(page);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> prose = new ArrayList<>(lines.size());
    boolean inFence = false;
    for (String line : lines) {
      boolean fence = line.stripLeading().startsWith("```");
      if (fence) {
        inFence = !inFence;
      }
      prose.add(inFence || fence ? "" : line);
    }
    return prose;
  }

  /** The anchors GitHub gives the page's headings: {@code #run-the-tests}, duplicates numbered. */
  public static Set<String> anchors(Path page) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : proseLines(page)) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        String slug = slug(heading.group(1));
        int count = seen.merge(slug, 1, Integer::sum);
        anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
      }
    }
    return anchors;
  }

  /**
   * GitHub's heading anchor: the text of links kept, lower case, every character but letters,
   * digits, spaces, hyphens and underscores dropped, spaces turned into hyphens.
   */
  static String slug(String heading) {
    String text = LINK_IN_TEXT.matcher(heading).replaceAll("$1").toLowerCase(java.util.Locale.ROOT);
    StringBuilder slug = new StringBuilder(text.length());
    text.codePoints()
        .forEach(
            c -> {
              if (c == ' ') {
                slug.append('-');
              } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
              }
            });
    return slug.toString();
  }

  /**
   * The first table after the heading {@code section} whose header's first cell is {@code
   * firstHeader}: its rows' cells (header and separator left out), or an empty list.
   */
  public static List<List<String>> table(Path page, String section, String firstHeader) {
    List<String> lines = proseLines(page);
    boolean inSection = false;
    for (int i = 0; i + 1 < lines.size(); i++) {
      Matcher heading = HEADING.matcher(lines.get(i));
      if (heading.matches()) {
        inSection = heading.group(1).equals(section);
        continue;
      }
      if (inSection
          && lines.get(i).startsWith("|")
          && cells(lines.get(i)).get(0).equals(firstHeader)
          && lines.get(i + 1).startsWith("|---")) {
        List<List<String>> rows = new ArrayList<>();
        for (int r = i + 2; r < lines.size() && lines.get(r).startsWith("|"); r++) {
          rows.add(cells(lines.get(r)));
        }
        return rows;
      }
    }
    return List.of();
  }

  private static List<String> cells(String row) {
    String inner = row.strip();
    inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
    List<String> cells = new ArrayList<>();
    for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
      cells.add(cell.strip());
    }
    return cells;
  }
}
