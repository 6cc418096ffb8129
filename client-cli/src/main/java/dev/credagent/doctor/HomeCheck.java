package dev.credagent.doctor;

import dev.credagent.files.PrivateDirectory;
import dev.credagent.vault.VaultInspector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The vault home: the user's alone (0700; one an earlier version made 0755 is repaired and said so),
 * the vault file 0600, and the vault and its journal undamaged (read from their headers alone).
 */
public record HomeCheck(Path home, Path vault, int uid) implements Check {
  @Override
  public List<Finding> run() {
    if (!Files.exists(home)) {
      return List.of(Finding.ok("home: " + home + " does not exist yet (`credagent unlock` creates it)"));
    }
    List<Finding> findings = new ArrayList<>();
    try {
      String repaired = PrivateDirectory.repair(home, uid);
      if (repaired != null) {
        findings.add(Finding.ok("home: " + repaired));
      }
      PrivateDirectory.check(home, uid);
      if (Files.exists(vault) && !PosixFilePermissions.toString(Files.getPosixFilePermissions(vault)).equals("rw-------")) {
        findings.add(Finding.fault("home: " + vault + " is readable by others: chmod 600 " + vault));
      } else {
        findings.add(Finding.ok("home: " + home + " is yours alone (0700)"));
      }
      // The vault format is the daemon's to read: found on the class path, as the daemon finds the commands.
      Optional<VaultInspector> inspector = ServiceLoader.load(VaultInspector.class).findFirst();
      if (inspector.isEmpty()) {
        findings.add(Finding.fault("vault: not checked: the daemon's jar (credagent-daemon) is not on the class path"));
      } else {
        String damage = inspector.get().inspect(vault);
        if (damage != null) {
          findings.add(Finding.fault("vault: " + damage));
        }
      }
    } catch (IOException e) {
      findings.add(Finding.fault("home: " + e.getMessage()));
    }
    return findings;
  }
}
