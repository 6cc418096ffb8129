package dev.credagent.cli.local;

import dev.credagent.cli.CliException;
import dev.credagent.cli.Completion;
import dev.credagent.cli.ExitCode;
import dev.credagent.client.AgentClient;
import dev.credagent.imports.AuthFile;
import dev.credagent.imports.DockerConfig;
import dev.credagent.imports.Harvest;
import dev.credagent.imports.HelperSource;
import dev.credagent.imports.Importer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "import",
    header = "Copies credentials into the vault from config.json, auth.json or a helper.", mixinStandardHelpOptions = true,
    description = {
      "Copies credentials into the vault: from docker's config.json (the default), from containers' auth.json,",
      "or from another credential helper. Says what it imported, what it skipped and why; never prints a secret.",
      "Importing the same data again changes nothing. The source is left as it is (`credagent setup` removes",
      "the plaintext from config.json)."
    })
final class ImportCommand implements Callable<Integer> {
  static final class From {
    @Option(names = "--from-file", arity = "0..1", paramLabel = "PATH", completionCandidates = Completion.Files.class, fallbackValue = "",
        description = "A containers auth.json (default: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json).")
    String file;

    @Option(names = "--from-helper", paramLabel = "NAME",
        description = "Another helper, docker-credential-NAME (pass, secretservice, osxkeychain, ...): its list, then a get for each.")
    String helper;
  }

  @ArgGroup(exclusive = true)
  From from;

  @Option(names = "--overwrite", description = "Replace a different credential the vault already holds for a server.")
  boolean overwrite;

  @Option(names = "--dry-run", description = "Say what would be imported; store nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    try (Harvest harvest = harvest(); AgentClient agent = AgentClient.connectOrStart(Agent.paths())) {
      List<Importer.Line> report = new Importer(agent, overwrite, dryRun).apply(harvest);
      print(harvest.source(), report, dryRun);
    }
    return ExitCode.OK;
  }

  static void print(String source, List<Importer.Line> report, boolean dryRun) {
    System.out.println((dryRun ? "would import from " : "from ") + source + ":");
    if (report.isEmpty()) {
      System.out.println("  no credentials there");
    }
    report.forEach(line -> System.out.println("  " + line));
    long imported = report.stream().filter(l -> l.outcome() == Importer.Outcome.IMPORTED).count();
    System.out.println((dryRun ? "would import " : "imported ") + imported + ", "
        + report.stream().filter(l -> l.outcome() == Importer.Outcome.UNCHANGED).count() + " unchanged, "
        + report.stream().filter(l -> l.outcome() == Importer.Outcome.SKIPPED).count() + " skipped");
  }

  private Harvest harvest() throws Exception {
    if (from != null && from.helper != null) {
      return HelperSource.harvest(from.helper);
    }
    Path file = from == null ? DockerConfig.file(System.getenv())
        : from.file.isEmpty() ? DockerConfig.containersAuthFile(System.getenv()) : Path.of(from.file);
    if (!Files.exists(file)) {
      throw new CliException(ExitCode.ERROR, file + " does not exist; nothing was imported");
    }
    return AuthFile.credentials(file, AuthFile.read(file));
  }
}
