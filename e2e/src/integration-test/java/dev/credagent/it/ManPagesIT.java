package dev.credagent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every man page as a user reads it (asciidoctor as install.sh runs it, then {@code man -l} at
 * MANWIDTH=80 in the POSIX locale) against the command's {@code --help} (issue 30, item 11): every
 * word of the help is in the page as written (a '*' pair made {@code *.dkr.ecr.*.amazonaws.com} a
 * bold {@code .dkr.ecr..amazonaws.com}), no line is wider than the page, and no heading ends with
 * the colon of --help's ("EXIT CODES:"). HelpTextTest checks the help itself.
 */
class ManPagesIT {
  private static final Path ASCIIDOCTOR = Path.of("/usr/bin/asciidoctor");
  private static final Path MAN = Path.of("/usr/bin/man");
  private static final int WIDTH = 80;
  private static final Pattern HEADING_WITH_COLON = Pattern.compile("^[A-Z][A-Z ]+:\\s*$");

  @Test
  void everyPageSaysWhatTheHelpSaysAndFitsItsWidth() throws Exception {
    assumeTrue(Files.isExecutable(ASCIIDOCTOR) && Files.isExecutable(MAN), "needs asciidoctor and man");
    try (AgentEnvironment agent = new AgentEnvironment()) {
      agent.unlock("pw"); // --help then runs in the daemon, through the native credagent: no JVM per page
      Path sources = AgentEnvironment.dist().resolve("share/man");
      Path pages = Files.createDirectory(agent.root().resolve("man1"));
      List<String> asciidoctor = new ArrayList<>(List.of(ASCIIDOCTOR.toString(), "-b", "manpage", "-a", "reproducible",
          "-D", pages.toString()));
      List<Path> adoc;
      try (Stream<Path> files = Files.list(sources)) {
        adoc = files.filter(p -> p.toString().endsWith(".adoc")).sorted().toList();
      }
      adoc.forEach(p -> asciidoctor.add(p.toString()));
      Run made = agent.run(asciidoctor, "").requireSuccess();
      assertEquals("", made.stderr(), "asciidoctor warned");

      for (Path source : adoc) {
        String name = source.getFileName().toString().replace(".adoc", "");
        Run man = agent.run(List.of("env", "-u", "LANG", "-u", "LC_ALL", "-u", "LC_CTYPE", "MANWIDTH=" + WIDTH,
            MAN.toString(), "-l", pages.resolve(name + ".1").toString()), "").requireSuccess();
        String page = man.stdout();
        for (String line : page.lines().toList()) {
          assertTrue(line.length() <= WIDTH, name + "(1) has a line wider than " + WIDTH + ":\n" + line);
          assertFalse(HEADING_WITH_COLON.matcher(line).matches(), name + "(1) has a heading with a colon: " + line);
        }
        if (!name.startsWith("credagent")) {
          continue; // docker-credential-agent(1) is written by hand: no --help to match
        }
        List<String> args = new ArrayList<>(Arrays.asList(name.split("-")).subList(1, name.split("-").length));
        args.add("--help");
        String help = agent.credagent("", args.toArray(String[]::new)).requireSuccess().stdout();
        Set<String> shown = new HashSet<>(words(page));
        for (String word : helpWords(help)) {
          assertTrue(shown.contains(word), name + "(1) lacks '" + word + "' of --help:\n" + page);
        }
      }
      String store = Files.readString(pages.resolve("credagent-store.1"));
      assertTrue(store.contains("*.dkr.ecr.*.amazonaws.com"), "the pattern lost its '*'s");
    }
  }

  /** The words of --help a user reads in the page too: not the synopsis (the page has its own), nor option labels or headings. */
  private static List<String> helpWords(String help) {
    List<String> words = new ArrayList<>();
    boolean inUsage = false;
    for (String line : help.lines().toList()) {
      if (line.startsWith("Usage:")) {
        inUsage = true;
        continue;
      }
      if (inUsage && line.startsWith("        ")) {
        continue;
      }
      inUsage = false;
      if (line.matches("[A-Z][a-z ]+:")) {
        continue; // "Commands:", "Exit codes:": the page's headings say it in capitals
      }
      words.addAll(words(line).stream().filter(w -> !w.startsWith("-") && !w.startsWith("[") && !w.startsWith("<")).toList());
    }
    return words;
  }

  private static List<String> words(String text) {
    return Arrays.stream(text.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
  }
}
