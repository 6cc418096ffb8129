package dev.credagent.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.credagent.imports.AuthFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * docker's config.json: {@code "credsStore": "agent"} with the helper on PATH (and the one installed
 * with this credagent first), no {@code credHelpers} entry to a helper that is not there or for a
 * registry credagent holds, and no plaintext left.
 *
 * @param onPath where a program is found on PATH
 * @param installedIn the directory credagent was installed in, where the helper lies beside it
 */
public record DockerCheck(Path file, Set<String> held, Function<String, Optional<Path>> onPath, Optional<Path> installedIn)
    implements Check {
  @Override
  public List<Finding> run() {
    ObjectNode root;
    try {
      root = AuthFile.read(file);
    } catch (IOException e) {
      return List.of(Finding.fault("docker: " + e.getMessage()));
    }
    List<Finding> findings = new ArrayList<>();
    findings.add(credsStore(root.path("credsStore").asText("")));
    for (Iterator<Map.Entry<String, JsonNode>> it = root.path("credHelpers").fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> entry = it.next();
      String name = entry.getValue().asText("");
      if (name.equals("agent")) {
        continue;
      }
      if (onPath.apply("docker-credential-" + name).isEmpty()) {
        findings.add(Finding.fault("docker: credHelpers sends " + entry.getKey() + " to docker-credential-" + name
            + ", which is not on PATH: install it, or remove that entry from " + file));
      } else if (held.contains(entry.getKey())) {
        findings.add(Finding.fault("docker: credHelpers sends " + entry.getKey() + " to docker-credential-" + name
            + ", though credagent holds it: docker never asks credagent for it; remove that entry from " + file));
      }
    }
    findings.addAll(new PlaintextCheck(file, "`credagent setup` (it imports them, then removes them from the file)").run());
    return findings;
  }

  private Finding credsStore(String store) {
    if (!store.equals("agent")) {
      return Finding.fault("docker: " + file + " has " + (store.isEmpty() ? "no credsStore" : "\"credsStore\": \""
          + store + "\"") + ", so docker does not ask credagent: run `credagent setup`");
    }
    Optional<Path> helper = onPath.apply("docker-credential-agent");
    if (helper.isEmpty()) {
      return Finding.fault("docker: credsStore is agent, but docker-credential-agent is not on PATH: add the directory"
          + " credagent was installed in (" + installedIn.map(Path::toString).orElse("PREFIX/bin") + ") to PATH");
    }
    Optional<Path> ours = installedIn.map(dir -> dir.resolve("docker-credential-agent")).filter(Files::exists);
    if (ours.isPresent() && !sameFile(ours.get(), helper.get())) {
      return Finding.fault("docker: the docker-credential-agent on PATH is " + helper.get() + ", not the one installed"
          + " with this credagent (" + ours.get() + "): put that directory first on PATH");
    }
    return Finding.ok("docker: credsStore is agent, and " + helper.get() + " is on PATH");
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.exists(a) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
