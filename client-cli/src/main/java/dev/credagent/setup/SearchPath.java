package dev.credagent.setup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Where a program would be found, as a shell finds it: the first executable of that name on {@code $PATH}. */
public final class SearchPath {
  private SearchPath() {}

  public static Optional<Path> find(Map<String, String> env, String program) {
    for (String dir : env.getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
