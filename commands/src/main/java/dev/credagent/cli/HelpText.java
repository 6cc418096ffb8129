package dev.credagent.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Every command's description as paragraphs, wrapped here at spaces only, so that picocli never
 * wraps one itself. Before, each element of a description array was a hard line break where the
 * source happened to be wrapped, and picocli's wrap of a longer element left ragged lines ("...a
 * command or another" / "credential helper, run by..."); and picocli's line breaker (the JDK's
 * {@code BreakIterator}) breaks after a '.' inside a word ("config." / "json"). In the source,
 * consecutive elements form one paragraph; an empty element ends a paragraph, and an element that
 * starts with a space is a line of its own, as written (an example command: keep it shorter than
 * the width). The man pages are made from the same tree, so they read the same words.
 */
final class HelpText {
  private HelpText() {}

  /** Rewraps the descriptions of {@code cli} and every command under it, at their usage width. */
  static void reflow(CommandLine cli) {
    UsageMessageSpec usage = cli.getCommandSpec().usageMessage();
    String[] description = usage.description();
    if (usage.header().length == 0 && description.length > 0 && description[0].endsWith(".") && !description[0].startsWith(" ")) {
      // The parent's command list (and the man page's NAME) shows a command's header, else the
      // first line of its description, which is a wrapped fragment now: the first sentence, a
      // line of its own in the source, becomes the header, as the other commands have one.
      usage.header(description[0]);
      description = Arrays.copyOfRange(description, 1, description.length);
    }
    usage.description(lines(description, usage.width()).toArray(String[]::new));
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (sub.getParent() == cli) {
        reflow(sub);
      }
    }
  }

  /** The elements as lines of at most {@code width - 1} characters wherever a word allows. */
  static List<String> lines(String[] elements, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder paragraph = new StringBuilder();
    for (String element : elements) {
      if (element.isEmpty() || element.startsWith(" ")) {
        wrap(paragraph, width - 1, lines);
        lines.add(element);
      } else {
        paragraph.append(paragraph.isEmpty() ? "" : " ").append(element.strip());
      }
    }
    wrap(paragraph, width - 1, lines);
    return lines;
  }

  /** Greedy, at spaces only: a word longer than the line stands alone on its own. */
  private static void wrap(StringBuilder paragraph, int width, List<String> lines) {
    if (paragraph.isEmpty()) {
      return;
    }
    StringBuilder line = new StringBuilder();
    for (String word : paragraph.toString().split(" +")) {
      if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.isEmpty() ? "" : " ").append(word);
    }
    lines.add(line.toString());
    paragraph.setLength(0);
  }
}
