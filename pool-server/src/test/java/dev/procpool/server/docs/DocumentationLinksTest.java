package dev.procpool.server.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/ points at something: a file or directory of the
 * repository and, for a {@code #fragment} into a Markdown page, one of its headings. Web links are
 * not followed (the suite runs without a network).
 */
class DocumentationLinksTest {
  private static final Pattern INLINE_LINK =
      Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern REFERENCE_LINK =
      Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*(\\S+)");
  private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

  @Test
  void relativeLinks_allResolve() {
    Path root = MarkdownPages.root();
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : MarkdownPages.pages(root)) {
      List<String> lines = MarkdownPages.proseLines(page);
      for (int n = 0; n < lines.size(); n++) {
        String line = CODE_SPAN.matcher(lines.get(n)).replaceAll("");
        for (Pattern pattern : List.of(INLINE_LINK, REFERENCE_LINK)) {
          Matcher link = pattern.matcher(line);
          while (link.find()) {
            String target = link.group(1);
            if (SCHEME.matcher(target).find() || target.startsWith("//")) {
              continue;
            }
            checked++;
            String problem = problem(page, target);
            if (problem != null) {
              broken.add(root.relativize(page) + ":" + (n + 1) + ": " + target + " " + problem);
            }
          }
        }
      }
    }
    assertTrue(checked > 20, "found only " + checked + " relative links: is the parser broken?");
    assertEquals(List.of(), broken, "links that point nowhere");
  }

  /** Why {@code target}, linked from {@code page}, points nowhere; null when it resolves. */
  private static String problem(Path page, String target) {
    int hash = target.indexOf('#');
    String path = hash < 0 ? target : target.substring(0, hash);
    String fragment = hash < 0 ? null : target.substring(hash + 1);
    Path file = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
    if (!Files.exists(file)) {
      return "(no such file: " + MarkdownPages.root().relativize(file) + ")";
    }
    if (fragment != null && file.toString().endsWith(".md")) {
      if (!MarkdownPages.anchors(file).contains(fragment)) {
        return "(no heading with that anchor; its anchors: " + MarkdownPages.anchors(file) + ")";
      }
    }
    return null;
  }

  @Test
  void slug_asGitHubMakesIt() {
    assertEquals("run-the-tests", MarkdownPages.slug("Run the tests"));
    assertEquals(
        "semantics-at-least-once-execution-idempotency-keys",
        MarkdownPages.slug("Semantics: at-least-once execution, idempotency keys"));
    assertEquals("serve-flags", MarkdownPages.slug("`serve` flags"));
    assertEquals("the-library", MarkdownPages.slug("[The library](docs/library.md)"));
  }
}
