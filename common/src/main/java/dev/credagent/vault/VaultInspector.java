package dev.credagent.vault;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What {@code credagent doctor} can tell of the vault file and its journal without the passphrase.
 * The reading of the vault format is the daemon's (its module provides this through {@link
 * java.util.ServiceLoader}, META-INF/services); the CLI, which does not compile against the
 * daemon, finds it on the class path they share in an installation.
 */
public interface VaultInspector {
  /** Null when the vault at {@code file} and its journal look sound (or there are none), else what is wrong and where. */
  String inspect(Path file) throws IOException;
}
