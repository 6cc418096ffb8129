package dev.credagent.doctor;

import dev.credagent.imports.AuthFile;
import dev.credagent.imports.Harvest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Passwords left in base64 in an auth file (docker's config.json, containers' auth.json), with {@code fix}. */
public record PlaintextCheck(Path file, String fix) implements Check {
  @Override
  public List<Finding> run() {
    if (!Files.exists(file)) {
      return List.of();
    }
    try (Harvest harvest = AuthFile.credentials(file, AuthFile.read(file))) {
      if (harvest.found().isEmpty()) {
        return List.of(Finding.ok("plaintext: none in " + file));
      }
      return List.of(Finding.fault("plaintext: " + file + " holds " + harvest.found().size() + " credential(s) in"
          + " base64 (" + harvest.found().stream().map(found -> found.server()).toList() + "): " + fix));
    } catch (IOException e) {
      return List.of(Finding.fault("plaintext: " + e.getMessage()));
    }
  }
}
