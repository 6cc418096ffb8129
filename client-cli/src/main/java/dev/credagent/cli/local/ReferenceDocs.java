package dev.credagent.cli.local;

import dev.credagent.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Writes the man pages and the shell completion from the command tree itself (picocli's man page
 * generator and {@link CompletionScript}), at build time, so that they say what {@code --help} says:
 * {@code DIR/man/*.adoc} (one page per command, AsciiDoc, which install.sh turns into man pages
 * with asciidoctor), {@code DIR/bash-completion/completions/credagent} and
 * {@code DIR/zsh/vendor-completions/_credagent}. Not part of the installed CLI.
 *
 * <pre>java -cp … dev.credagent.cli.local.ReferenceDocs DIR</pre>
 */
public final class ReferenceDocs {
  private ReferenceDocs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ReferenceDocs DIR");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    CommandLine cli = Main.commandLine(new LocalSession());
    Path man = Files.createDirectories(out.resolve("man"));
    int written = ManPageGenerator.generateManPage(man.toFile(), null, new boolean[0], true, cli.getCommandSpec());
    if (written != 0) {
      throw new IOException("picocli's man page generator failed (" + written + ")");
    }
    try (var pages = Files.list(man)) {
      // Only the pages the generator wrote (credagent*.adoc): docker-credential-agent's is written by
      // hand in AsciiDoc and sits in the same directory; passed through again at each build, it
      // nested pass:c[...] once per build.
      for (Path page : pages.filter(p -> p.getFileName().toString().matches("credagent.*\\.adoc")).toList()) {
        Files.writeString(page, ManPageSource.ofGenerated(Files.readString(page)));
      }
    }
    // Sourced, never run: no #! line (bash-completion's rule).
    String bash = CompletionScript.bash(cli);
    Files.writeString(Files.createDirectories(out.resolve("bash-completion/completions")).resolve("credagent"), bash);
    // zsh runs the same script through its bash completion layer.
    Files.writeString(Files.createDirectories(out.resolve("zsh/vendor-completions")).resolve("_credagent"),
        "#compdef credagent\nautoload -U +X bashcompinit && bashcompinit\n" + bash
            // compinit autoloads this file as the function _credagent and runs it at the first Tab:
            // that Tab is completed too, not only registered for the next one.
            + "\nif [[ $0 == _credagent ]]; then\n  _bash_complete -F _credagent_complete\nfi\n");
  }
}
