package dev.credagent.imports;

import java.util.ArrayList;
import java.util.List;

/** What one source yielded: the credentials to import, and the entries left out with the reason. */
public record Harvest(String source, List<Found> found, List<Skipped> skipped) implements AutoCloseable {
  public Harvest(String source) {
    this(source, new ArrayList<>(), new ArrayList<>());
  }

  @Override
  public void close() {
    found.forEach(Found::close);
  }
}
