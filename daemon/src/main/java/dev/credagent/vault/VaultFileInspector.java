package dev.credagent.vault;

import java.io.IOException;
import java.nio.file.Path;

/** {@link Vault#inspect}, for the doctor of the CLI, which finds it through ServiceLoader. */
public final class VaultFileInspector implements VaultInspector {
  @Override
  public String inspect(Path file) throws IOException {
    return Vault.inspect(file);
  }
}
