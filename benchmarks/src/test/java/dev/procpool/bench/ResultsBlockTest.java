package dev.procpool.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A script's re-run replaces its own block of RESULTS.md and nothing else. */
class ResultsBlockTest {
  @Test
  void noBlockYet_appendsItAtTheEnd() {
    assertEquals(
        "# results\n\nby hand\n\n<!-- peers: begin -->\ntable\n<!-- peers: end -->\n",
        ResultsBlock.replace("# results\n\nby hand\n", "peers", "table\n"));
  }

  @Test
  void emptyFile_getsTheBlockAlone() {
    assertEquals(
        "<!-- run.sh: begin -->\nfigures\n<!-- run.sh: end -->\n",
        ResultsBlock.replace("", "run.sh", "figures"));
  }

  @Test
  void rerun_replacesOnlyItsBlock_keepsWhatIsAroundAndOtherBlocks() {
    String before =
        "<!-- run.sh: begin -->\nold figures\n<!-- run.sh: end -->\n\n## analysis by hand\n\n"
            + "<!-- peers: begin -->\nold table\n<!-- peers: end -->\n\n## more by hand\n";
    String after = ResultsBlock.replace(before, "peers", "new table\n\n");
    assertEquals(
        "<!-- run.sh: begin -->\nold figures\n<!-- run.sh: end -->\n\n## analysis by hand\n\n"
            + "<!-- peers: begin -->\nnew table\n<!-- peers: end -->\n\n## more by hand\n",
        after);
    assertEquals(after, ResultsBlock.replace(after, "peers", "new table"));
  }
}
