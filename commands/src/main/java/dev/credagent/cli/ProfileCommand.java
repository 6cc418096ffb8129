package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.ClientRequest;
import dev.credagent.protocol.Op;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "profile",
    header = "Profiles: another account on the same registry, chosen by where the command runs.",
    description = {"A profile is bound to directories, as git's includeIf \"gitdir:\" binds an identity:",
        "docker, podman, skopeo, buildah, Jib and credagent run in one of them (or below) use the profile's",
        "logins, and the default profile's for registries it has none for. CREDAGENT_PROFILE=NAME or",
        "--profile NAME wins over the directory."},
    mixinStandardHelpOptions = true,
    subcommands = {ProfileCommand.Add.class, ProfileCommand.ListProfiles.class, ProfileCommand.Remove.class,
        ProfileCommand.Which.class})
final class ProfileCommand implements Runnable, Relayable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "add", mixinStandardHelpOptions = true, header = "Binds profile NAME to directories (making it).",
      description = {"Each DIR must exist; it is kept as its real path (~ expanded, relative to here, symlinks",
          "resolved). A directory bound to another profile is refused: one directory selects one profile."})
  static final class Add implements Callable<Integer>, Relayable {
    private final Session session;

    Add(Session session) {
      this.session = session;
    }

    @Parameters(index = "0", paramLabel = "NAME", description = "[a-z0-9][a-z0-9-]{0,63}")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", required = true, description = "A directory; may be repeated.")
    List<String> dirs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      List<String> absolute = new ArrayList<>();
      for (String dir : dirs) {
        absolute.add(absolute(dir));
      }
      JsonNode answer = session.call(ClientRequest.op(Op.PROFILE_ADD).with("name", name).with("dirs", String.join("\n", absolute)));
      for (JsonNode dir : answer.path("dirs")) {
        session.out().println(TerminalText.escape(name) + "  " + TerminalText.escape(dir.asText()));
      }
      return ExitCode.OK;
    }

    /** {@code dir} as an absolute path: ~ is the home directory, a relative path is read from here. */
    private String absolute(String dir) throws CliException {
      if (dir.codePoints().anyMatch(Character::isISOControl)) {
        // The daemon refuses it too (a line break in one bound other directories); said here first.
        throw new CliException(ExitCode.ERROR, "--dir " + TerminalText.escape(dir)
            + " has a control character (a line break, a tab, an escape) in its name: rename it, or bind its parent");
      }
      String expanded = dir.equals("~") || dir.startsWith("~/") ? System.getProperty("user.home") + dir.substring(1) : dir;
      try {
        Path path = Path.of(expanded);
        if (path.isAbsolute()) {
          return path.toString();
        }
        if (session.cwd() == null) {
          throw new CliException(ExitCode.ERROR, "give --dir as an absolute path (the working directory is not known here)");
        }
        return Path.of(session.cwd()).resolve(path).toString();
      } catch (InvalidPathException e) {
        throw new CliException(ExitCode.ERROR, "--dir " + TerminalText.escape(dir) + " is not a path");
      }
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the profiles and their directories.")
  static final class ListProfiles implements Callable<Integer>, Relayable {
    private final Session session;

    ListProfiles(Session session) {
      this.session = session;
    }

    @Override
    public Integer call() throws Exception {
      JsonNode profiles = session.call(ClientRequest.op(Op.PROFILE_LIST)).path("profiles");
      int width = "default".length();
      for (JsonNode profile : profiles) {
        width = Math.max(width, profile.path("name").asText().length());
      }
      session.out().printf("%-" + width + "s  %s%n", "PROFILE", "DIRECTORIES");
      session.out().printf("%-" + width + "s  %s%n", "default", "(every other directory)");
      for (JsonNode profile : profiles) {
        session.out().printf("%-" + width + "s  %s%n", TerminalText.escape(profile.path("name").asText()),
            TerminalText.escape(profile.path("dirs").asText().replace("\n", ", ")));
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, header = "Removes profile NAME.",
      description = "Refused while it holds credentials or sources, unless --erase: then they are erased (kept for `credagent restore`).")
  static final class Remove implements Callable<Integer>, Relayable {
    private final Session session;

    Remove(Session session) {
      this.session = session;
    }

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--erase", description = "Erase its credentials and sources with it.")
    boolean erase;

    @Override
    public Integer call() throws Exception {
      ClientRequest request = ClientRequest.op(Op.PROFILE_REMOVE).with("name", name);
      if (erase) {
        request.with("erase", "true");
      }
      JsonNode answer = session.call(request);
      int erased = answer.path("erased").asInt();
      if (erased > 0) {
        session.err().println("credagent: " + erased + " credential(s) of profile " + TerminalText.escape(name)
            + " erased (credagent list --erased shows them)");
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "which", mixinStandardHelpOptions = true,
      description = "Prints the profile this directory (or CREDAGENT_PROFILE, or --profile) selects, and why.")
  static final class Which implements Callable<Integer>, Relayable {
    private final Session session;

    Which(Session session) {
      this.session = session;
    }

    @picocli.CommandLine.Mixin
    ProfileOption profile = new ProfileOption();

    @Override
    public Integer call() throws Exception {
      JsonNode answer = session.call(profile.on(ClientRequest.op(Op.PROFILE_WHICH)));
      session.out().println(TerminalText.escape(answer.path("profile").asText()) + "  ("
          + TerminalText.escape(answer.path("why").asText()) + ")");
      return ExitCode.OK;
    }
  }
}
