package dev.credagent.it.clients;

import dev.credagent.it.AgentEnvironment;
import dev.credagent.it.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The real registry clients, set up the way their users set them up to use credagent. */
public final class Clients {
  public static final Path SKOPEO = Path.of("/usr/bin/skopeo");

  private Clients() {}

  /** The docker CLI (Debian's docker.io or a standalone client), or null. */
  public static String docker() {
    for (String candidate : List.of("/usr/bin/docker", "/usr/local/bin/docker")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  /** Writes config.json; no engine runs here, so the CLI is pointed at none and logs in client-side. */
  public static Path dockerConfig(AgentEnvironment agent, String json) throws Exception {
    Path dir = Files.createDirectories(agent.root().resolve("docker"));
    Files.writeString(dir.resolve("config.json"), json);
    agent.env().put("DOCKER_CONFIG", dir.toString());
    agent.env().put("DOCKER_HOST", "unix://" + agent.root().resolve("no-docker.sock"));
    return dir.resolve("config.json");
  }

  public static Run docker(AgentEnvironment agent, String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(docker()));
    command.addAll(List.of(args));
    return agent.run(command, stdin);
  }

  /** containers' auth.json sending {@code host} to the agent helper, and a policy that accepts any image. */
  public static void skopeoUsesAgentFor(AgentEnvironment agent, String host) throws Exception {
    Path authFile = agent.root().resolve("auth.json");
    Files.writeString(authFile, "{\"credHelpers\":{\"" + host + "\":\"agent\"}}");
    Files.writeString(agent.root().resolve("policy.json"), "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
    agent.env().put("REGISTRY_AUTH_FILE", authFile.toString());
  }

  public static Run skopeo(AgentEnvironment agent, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SKOPEO.toString(), "--policy", agent.root().resolve("policy.json").toString()));
    command.addAll(List.of(args));
    return agent.run(command, "");
  }

  /**
   * skopeo, its credentials from credagent's helper, pushes an image to {@code host}/{@code repository}
   * and pulls it back: true when what came back is what went.
   */
  public static boolean pushAndPullThroughTheHelper(AgentEnvironment agent, String host, String repository) throws Exception {
    skopeoUsesAgentFor(agent, host);
    Path layout = agent.root().resolve("layout-" + repository.replace('/', '-'));
    String digest = OciLayout.write(layout, "v1");
    String image = "docker://" + host + "/" + repository + ":v1";
    skopeo(agent, "copy", "--dest-tls-verify=false", "oci:" + layout + ":v1", image).requireSuccess();
    Path pulled = agent.root().resolve("pulled-" + repository.replace('/', '-'));
    skopeo(agent, "copy", "--src-tls-verify=false", image, "oci:" + pulled + ":v1").requireSuccess();
    return java.nio.file.Files.readString(pulled.resolve("index.json")).contains(digest);
  }
}
