package dev.procpool.server.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.procpool.server.docs.MarkdownPages;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The flags table in docs/operations.md lists every flag {@code serve --help} shows (read from
 * picocli's model of {@link ServeCommand}, the source of that help), and no flag {@code serve} does
 * not have. The failure names each flag and the table, with the help's description, so the row is
 * quick to write.
 */
class ServeFlagsDocumentedTest {
  static final String PAGE = "docs/operations.md";
  static final String SECTION = "Run the server";
  private static final Pattern FLAG = Pattern.compile("`(--[a-z0-9][a-z0-9-]*)");

  @Test
  void flagsTable_listsEveryServeFlag_andNoOther() {
    Path page = MarkdownPages.root().resolve(PAGE);
    List<List<String>> rows = MarkdownPages.table(page, SECTION, "flag");
    assertFalse(
        rows.isEmpty(),
        "no table with the header '| flag |' under '## " + SECTION + "' in " + PAGE);
    Set<String> documented = new LinkedHashSet<>();
    for (List<String> row : rows) {
      Matcher flag = FLAG.matcher(row.get(0));
      while (flag.find()) {
        documented.add(flag.group(1));
      }
    }

    CommandLine serve = new CommandLine(new ServeCommand());
    List<String> missing = new ArrayList<>();
    Set<String> known = new TreeSet<>();
    for (OptionSpec option : serve.getCommandSpec().options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue; // --help and --version: the page says they do what they say
      }
      String name = option.longestName();
      known.add(name);
      if (option.negatable()) {
        known.add("--no-" + name.substring(2));
      }
      if (!documented.contains(name)) {
        missing.add(
            "  "
                + name
                + (option.paramLabel().isEmpty() || option.arity().max() == 0
                    ? ""
                    : " " + option.paramLabel())
                + ": "
                + String.join(" ", option.description()));
      }
    }
    Set<String> stale = new TreeSet<>(documented);
    stale.removeAll(known);

    StringBuilder failure = new StringBuilder();
    if (!missing.isEmpty()) {
      failure
          .append("serve flags missing from the flags table under '## ")
          .append(SECTION)
          .append("' in ")
          .append(PAGE)
          .append(" (add a row | `--flag` | default | meaning | for each):\n")
          .append(String.join("\n", missing))
          .append('\n');
    }
    if (!stale.isEmpty()) {
      failure
          .append("rows of the flags table under '## ")
          .append(SECTION)
          .append("' in ")
          .append(PAGE)
          .append(" name flags serve does not have: ")
          .append(String.join(", ", stale))
          .append('\n');
    }
    if (failure.length() > 0) {
      fail(failure.toString());
    }
  }
}
