package dev.credagent.share;

import dev.credagent.caller.ShareScope;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.registry.RegistryPattern;
import dev.credagent.transport.AgentServer;
import dev.credagent.transport.Doors;
import dev.credagent.transport.ServerLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The daemon's shares: extra sockets, as gpg-agent's extra socket, that serve get, token and list only,
 * for the registries their patterns allow, until their TTL runs out or they are stopped: for
 * {@code ssh -R} and for a container's bind mount. Each is 0600 in a 0700 directory and checks
 * every peer as the daemon's own socket does; what it may hand out is the service's to enforce
 * ({@link ShareScope} on every caller that came through it).
 */
public final class Shares implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Shares.class.getName());
  /** At most this many at once: each is a socket and a thread (ShareScope's, which the audit log counts by too). */
  public static final int MAX = ShareScope.MAX_OPEN;
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);

  /** One open share. */
  public record Share(Path socket, ShareScope scope, Instant expires, AgentServer server) {}

  private final Path directory;
  private final int uid;
  private final Clock clock;
  private final Map<Path, Share> open = new LinkedHashMap<>();
  private Doors doors;

  /** {@code directory}: where shares go when no path is given (the daemon's socket directory). */
  public Shares(Path directory, int uid, Clock clock) {
    this.directory = directory;
    this.uid = uid;
    this.clock = clock;
  }

  /**
   * {@code base}, or {@code base-2}, {@code base-3}…: shares made the same way (the README's
   * container recipe names every socket agent.sock) are told apart in status and the audit log.
   */
  private String uniqueName(String base) {
    Set<String> taken = new HashSet<>();
    open.values().forEach(share -> taken.add(share.scope().name()));
    String name = base;
    for (int n = 2; taken.contains(name); n++) {
      name = base + "-" + n;
    }
    return name;
  }

  /** The doors a share serves through: the daemon's own, made after this (its commands all handed back). */
  public synchronized void serveWith(Doors doors) {
    this.doors = doors;
  }

  /**
   * Opens a share at {@code socket} (null: a new name in the daemon's socket directory) for the
   * registries {@code patterns} match (all, with none), until {@code ttl} from now.
   */
  public synchronized Share open(Path socket, List<String> patterns, Duration ttl) throws IOException {
    return open(socket, patterns, ttl, null);
  }

  /** The same, answering in {@code profile} (null: the default one), whatever its clients say. */
  public synchronized Share open(Path socket, List<String> patterns, Duration ttl, String profile) throws IOException {
    if (open.size() >= MAX) {
      throw new IllegalArgumentException(MAX + " shares are open already; stop one (credagent share --stop PATH)");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a share lives for a while: give --ttl as 30m, 8h, 1d");
    }
    List<RegistryPattern> parsed = patterns.stream().map(RegistryPattern::parse).toList();
    Path path = socket != null ? socket.toAbsolutePath().normalize()
        : directory.resolve("share-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)) + ".sock");
    // Not followed: a dangling link there is something there too, which the bind (Netty unlinks
    // the path first) would silently remove.
    if (open.containsKey(path) || Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException(path + " exists already; choose another path, or remove it");
    }
    PrivateDirectory.ensure(path.getParent(), uid);
    String name = uniqueName(path.getFileName().toString().replaceFirst("\\.sock$", ""));
    ShareScope scope = new ShareScope(name, parsed, profile);
    AgentServer server = AgentServer.bindShare(path, uid, ServerLimits.DEFAULT, doors, scope);
    try {
      ShareMarker.write(path, name); // kept when the share ends: its path is then answered as a share gone
    } catch (IOException e) {
      server.close();
      throw e;
    }
    Share share = new Share(path, scope, clock.instant().plus(ttl), server);
    open.put(path, share);
    LOG.info("share " + name + " opened on " + path + " for " + scope.describe() + " until " + share.expires());
    return share;
  }

  /** Closes the share at {@code socket}; false when there is none there. */
  public synchronized boolean stop(Path socket) {
    Share share = open.remove(socket.toAbsolutePath().normalize());
    if (share == null) {
      return false;
    }
    share.server().close();
    LOG.info("share " + share.scope().name() + " stopped");
    return true;
  }

  /** Closes the shares whose TTL has run out; the daemon calls this every second. */
  public synchronized void expire() {
    Instant now = clock.instant();
    open.values().removeIf(share -> {
      if (!now.isBefore(share.expires())) {
        share.server().close();
        LOG.info("share " + share.scope().name() + " ended: its TTL ran out");
        return true;
      }
      return false;
    });
  }

  public synchronized List<Share> list() {
    return List.copyOf(open.values());
  }

  @Override
  public synchronized void close() {
    open.values().forEach(share -> share.server().close());
    open.clear();
  }
}
