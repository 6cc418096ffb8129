package dev.credagent.vault;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A group of {@link Vault.Change}s worked out against the open credentials and sources, before
 * anything is written: the maps they lead to, each change's outcome, the ones made, and what they
 * replaced or erased. A change past {@link Vault#MAX_CONTENT_CHARS} is refused (its secret wiped)
 * and the others go on. Nothing is published or wiped here but a refused change's secret: the
 * {@link Vault} writes the made ones durably, then publishes the maps and wipes what they replaced.
 */
final class ChangeSet {
  final SortedMap<String, Credential> credentials;
  final Map<String, String> sources;
  final List<VaultException> outcomes;
  final List<Vault.Change> made;
  /** Replaced or erased credentials (nulls where nothing was), to wipe once the change is published. */
  final List<Credential> superseded = new ArrayList<>();
  /** The content's size after the changes made, as {@link Vault#MAX_CONTENT_CHARS} counts it. */
  final long content;

  ChangeSet(SortedMap<String, Credential> open, Map<String, String> openSources, long contentBefore,
      List<? extends Vault.Change> changes) throws VaultLockedException {
    // Sorted as it is kept, so a list is a walk, not a sort; a copy of a sorted map is linear.
    SortedMap<String, Credential> next = new TreeMap<>(open);
    Map<String, String> nextSources = new HashMap<>(openSources); // a few definitions: copied whole
    outcomes = new ArrayList<>(changes.size());
    made = new ArrayList<>(changes.size());
    long content = contentBefore;
    for (Vault.Change change : changes) {
      long after = content + switch (change) {
        case Vault.Put put -> size(put.server(), put.credential()) - size(put.server(), next.get(put.server()));
        case Vault.Remove remove -> -size(remove.server(), next.get(remove.server()));
        case Vault.PutSource source -> size(source.server(), source.definition()) - size(source.server(), nextSources.get(source.server()));
        case Vault.RemoveSource source -> -size(source.server(), nextSources.get(source.server()));
      };
      if (after > Vault.MAX_CONTENT_CHARS) {
        outcomes.add(new VaultFullException(content));
        if (change instanceof Vault.Put put) {
          put.credential().secret().destroy();
        }
        continue;
      }
      VaultException notThere = switch (change) {
        case Vault.Put put -> {
          superseded.add(next.put(put.server(), put.credential()));
          yield null;
        }
        case Vault.Remove remove -> {
          Credential gone = next.remove(remove.server());
          superseded.add(gone);
          yield gone == null ? new CredentialNotFoundException(remove.server()) : null;
        }
        case Vault.PutSource source -> {
          nextSources.put(source.server(), source.definition());
          yield null;
        }
        case Vault.RemoveSource source -> nextSources.remove(source.server()) == null
            ? CredentialNotFoundException.noSource(source.server()) : null;
      };
      outcomes.add(notThere);
      if (notThere == null) {
        content = after;
        made.add(change);
      }
    }
    this.credentials = Collections.unmodifiableSortedMap(next);
    this.sources = Collections.unmodifiableMap(nextSources);
    this.content = content;
  }

  private static long size(String server, Credential credential) throws VaultLockedException {
    if (credential == null) {
      return 0;
    }
    try {
      return server.length() + credential.username().length() + credential.secret().length();
    } catch (Secret.DestroyedSecretException lockedMeanwhile) {
      throw new VaultLockedException();
    }
  }

  private static long size(String registry, String definition) {
    return definition == null ? 0 : registry.length() + definition.length();
  }

  /** What an opened vault holds, as {@link Vault#MAX_CONTENT_CHARS} counts it. */
  static long size(SortedMap<String, Credential> credentials, Map<String, String> sources)
      throws VaultLockedException {
    long total = 0;
    for (Map.Entry<String, Credential> entry : credentials.entrySet()) {
      total += size(entry.getKey(), entry.getValue());
    }
    for (Map.Entry<String, String> source : sources.entrySet()) {
      total += size(source.getKey(), source.getValue());
    }
    return total;
  }
}
