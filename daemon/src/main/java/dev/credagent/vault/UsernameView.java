package dev.credagent.vault;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;
import java.util.SortedMap;

/**
 * Server to username, in server order: a view of credentials open now, not a copy (a list of
 * 10,000 would otherwise sort and copy 10,000 entries each time). Never a secret.
 */
final class UsernameView extends AbstractMap<String, String> {
  private final SortedMap<String, Credential> credentials;

  UsernameView(SortedMap<String, Credential> credentials) {
    this.credentials = credentials;
  }

  @Override
  public Set<Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Entry<String, String>> iterator() {
        Iterator<Entry<String, Credential>> each = credentials.entrySet().iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return each.hasNext();
          }

          @Override
          public Entry<String, String> next() {
            Entry<String, Credential> entry = each.next();
            return new SimpleImmutableEntry<>(entry.getKey(), entry.getValue().username());
          }
        };
      }

      @Override
      public int size() {
        return credentials.size();
      }
    };
  }

  @Override
  public String get(Object server) {
    Credential credential = credentials.get(server);
    return credential == null ? null : credential.username();
  }

  @Override
  public boolean containsKey(Object server) {
    return credentials.containsKey(server);
  }
}
