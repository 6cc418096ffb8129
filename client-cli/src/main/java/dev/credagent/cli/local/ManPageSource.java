package dev.credagent.cli.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * picocli's generated AsciiDoc, made to say in the man page what {@code --help} says. The
 * generator writes our help texts into AsciiDoc as they are, where they are markup: a '*' pair
 * turned {@code *.dkr.ecr.*.amazonaws.com} into a bold {@code .dkr.ecr..amazonaws.com}, and
 * backticks, '_', '...' or "--" would be formatted or replaced too. So each line of our text is
 * passed through as it is ({@code pass:c[...]}: only the characters the man format needs escaped),
 * while picocli's own markup (option terms, the synopsis) is left alone. Also: example lines
 * (indented in the description) become a literal block instead of running into the paragraph,
 * the section headings lose the colons that --help's headings end with ("EXIT CODES:"), and the
 * Environment footer, a hand-aligned table in --help, becomes a definition list that man wraps
 * at its own width.
 */
final class ManPageSource {
  private ManPageSource() {}

  static String ofGenerated(String adoc) {
    List<String> out = new ArrayList<>();
    String section = "";
    List<String> literal = new ArrayList<>();
    List<String[]> environment = new ArrayList<>();
    for (String line : adoc.split("\n", -1)) {
      if (!literal.isEmpty() && !(section.equals("description") && line.startsWith(" "))) {
        out.add("");
        out.add("....");
        out.addAll(literal);
        out.add("....");
        out.add("");
        literal.clear();
      }
      if (line.startsWith("==")) {
        if (section.equals("environment")) {
          out.addAll(definitions(environment));
        }
        String title = line.replaceFirst("^=+\\s*", "").replaceFirst(":\\s*$", "");
        section = title.toLowerCase(Locale.ROOT);
        out.add("== " + title);
      } else if (line.startsWith("//") || line.startsWith(":") || line.startsWith("= ") || line.isBlank()
          || line.equals("+") || line.endsWith("::") || section.equals("synopsis")) {
        if (!section.equals("environment") || line.startsWith("//")) {
          out.add(line);
        }
      } else if (section.equals("environment")) {
        environment(line, environment);
      } else if (section.equals("name")) {
        out.add(line); // the NAME line is not AsciiDoc text: no markup applies there, nor any passthrough
      } else if (section.equals("description") && line.startsWith(" ")) {
        literal.add(line);
      } else {
        String text = line.stripLeading();
        out.add(line.substring(0, line.length() - text.length()) + passed(text));
      }
    }
    out.addAll(definitions(environment)); // the footer is the last section: its comments came first, no matter
    return String.join("\n", out);
  }

  /** The text as it is: AsciiDoc applies no markup nor replacement to it, only the format's escapes. */
  static String passed(String text) {
    return "pass:c[" + text.replace("]", "\\]") + "]";
  }

  /** A line of the footer's table ("  NAME   text" or "   more text"), into NAME and its text. */
  private static void environment(String line, List<String[]> entries) {
    if (line.startsWith("[%hardbreaks]")) {
      return;
    }
    String[] parts = line.strip().split("\\s{2,}", 2);
    if (line.startsWith("  ") && !line.startsWith("   ") && parts.length == 2) {
      entries.add(new String[] {parts[0], parts[1]});
    } else if (!entries.isEmpty()) {
      String[] last = entries.getLast();
      last[1] = last[1] + " " + line.strip();
    }
  }

  private static List<String> definitions(List<String[]> entries) {
    List<String> lines = new ArrayList<>();
    for (String[] entry : entries) {
      lines.add("*" + entry[0] + "*::");
      lines.add("  " + passed(entry[1]));
      lines.add("");
    }
    entries.clear();
    return lines;
  }
}
