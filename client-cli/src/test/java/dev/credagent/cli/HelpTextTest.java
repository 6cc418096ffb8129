package dev.credagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.credagent.cli.local.LocalSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine;

/**
 * Every command's {@code --help} at picocli's 80 columns, against the text in the source (issue 30,
 * item 11): no word of the source broken ("config." / "json": picocli's breaker splits after a
 * '.'), and no ragged wrap (a line ended where the source's array element ended, though the next
 * word would have fitted).
 */
class HelpTextTest {
  private static final int WIDTH = 80;

  private static List<CommandLine> everyCommand() {
    List<CommandLine> all = new ArrayList<>();
    collect(Main.commandLine(new LocalSession()), all);
    return all;
  }

  private static void collect(CommandLine cli, List<CommandLine> all) {
    all.add(cli);
    cli.getSubcommands().values().stream().filter(sub -> sub.getParent() == cli).forEach(sub -> collect(sub, all));
  }

  /** The words of the texts the source gives: the command's description and header, each option's. */
  private static Set<String> sourceWords(CommandLine cli) {
    Object command = cli.getCommandSpec().userObject();
    Set<String> words = new HashSet<>();
    CommandLine.Command annotation = command.getClass().getAnnotation(CommandLine.Command.class);
    if (annotation != null) {
      Arrays.stream(annotation.description()).forEach(text -> words.addAll(words(text)));
    }
    for (ArgSpec arg : cli.getCommandSpec().args()) {
      if (!arg.hidden()) {
        Arrays.stream(arg.description()).forEach(text -> words.addAll(words(text)));
      }
    }
    return words;
  }

  private static List<String> words(String text) {
    return Arrays.stream(text.replace("%n", " ").strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }

  @Test
  void noWordOfTheSourceIsBrokenInAnyHelp() {
    for (CommandLine cli : everyCommand()) {
      String help = cli.getUsageMessage();
      Set<String> shown = new HashSet<>(words(help));
      for (String word : sourceWords(cli)) {
        assertTrue(shown.contains(word), cli.getCommandSpec().qualifiedName() + " --help breaks or loses '" + word + "':\n" + help);
      }
    }
  }

  @Test
  void noLineOfAnyHelpEndsWhereTheNextWordWouldHaveFitted() {
    for (CommandLine cli : everyCommand()) {
      List<String> lines = cli.getUsageMessage().lines().toList();
      for (int i = 0; i + 1 < lines.size(); i++) {
        String line = lines.get(i);
        String next = lines.get(i + 1);
        if (line.isBlank() || next.isBlank() || line.startsWith("Usage:") || next.startsWith("Usage:")) {
          continue;
        }
        int nextIndent = indent(next);
        // The next line goes on the same text: a paragraph's at column 0, or an option's description column.
        // (Option and parameter rows start at 2 or 6; their descriptions' continuations further in.)
        boolean continues = nextIndent == 0 ? indent(line) == 0 : nextIndent >= 8 && nextIndent == textColumn(line);
        String firstWord = next.strip().split("\\s+")[0];
        assertTrue(!continues || line.length() + 1 + firstWord.length() > WIDTH - 3,
            cli.getCommandSpec().qualifiedName() + " --help: a ragged line before '" + firstWord + "':\n" + line + "\n" + next);
      }
      assertTrue(lines.stream().allMatch(l -> l.length() <= WIDTH), cli.getCommandSpec().qualifiedName() + " --help is wider than " + WIDTH);
    }
  }

  @Test
  void everyCommandIsListedWithAWholeSentenceNotAWrappedFragment() {
    for (CommandLine cli : everyCommand()) {
      var usage = cli.getCommandSpec().usageMessage();
      String summary = usage.header().length > 0 ? usage.header()[0] : usage.description().length > 0 ? usage.description()[0] : "";
      assertTrue(summary.endsWith("."), cli.getCommandSpec().qualifiedName() + " is listed as '" + summary + "'");
    }
  }

  @Test
  void aParagraphIsWrappedAtSpacesAndExamplesStayAsWritten() {
    List<String> lines = HelpText.lines(new String[] {
        "Points docker at credagent (\"credsStore\": \"agent\" in $DOCKER_CONFIG/config.json, every other key kept),",
        "moves the passwords.", "  credagent example --one", ""}, 40);
    assertEquals(List.of("Points docker at credagent", "(\"credsStore\": \"agent\" in", "$DOCKER_CONFIG/config.json, every other",
        "key kept), moves the passwords.", "  credagent example --one", ""), lines);
  }

  private static int indent(String line) {
    return line.length() - line.stripLeading().length();
  }

  /** Where a line's text starts: after its option names (two spaces or more), or its indent. */
  private static int textColumn(String line) {
    int column = indent(line);
    java.util.regex.Matcher gap = java.util.regex.Pattern.compile("\\S {2,}(?=\\S)").matcher(line);
    return gap.find(column) ? gap.end() : column;
  }
}
