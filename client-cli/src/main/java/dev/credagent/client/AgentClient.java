package dev.credagent.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.CurrentUser;
import dev.credagent.files.HomeLock;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.share.ShareMarker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

/**
 * One connection to the daemon: request lines out, answer lines in. It checks that whoever listens
 * on the socket runs as us before sending anything, so a socket planted by someone else gets
 * nothing.
 */
public final class AgentClient implements AutoCloseable {
  private final AFUNIXSocket socket;
  /** The socket this connection reached: the recorded one where our own had nobody (doctor says which). */
  private final Path path;
  private final OutputStream out;
  private final BufferedReader in;

  private AgentClient(AFUNIXSocket socket, Path path) throws IOException {
    this.socket = socket;
    this.path = path;
    this.out = socket.getOutputStream();
    this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
  }

  /**
   * Connects to a running daemon; {@link AgentUnavailableException} when none answers. Where none
   * answers on our socket but the vault home names a daemon on another one (started where
   * {@code XDG_RUNTIME_DIR} differed: rootless podman's helpers, a login without pam_systemd),
   * that one is reached instead, checked as any socket is: one daemon serves a vault. A socket
   * named in {@code CREDAGENT_SOCKET} is the only one used: it may be a share's, which another
   * daemon must never answer for.
   */
  public static AgentClient connect(AgentPaths paths) throws IOException {
    return connect(paths, CONNECT_WITHIN_MILLIS);
  }

  /** {@link #connect(AgentPaths)} with another bound on the daemon's accept: tests, which need not wait 10 s for it. */
  static AgentClient connect(AgentPaths paths, int connectWithinMillis) throws IOException {
    try {
      return connect(paths.socket(), connectWithinMillis);
    } catch (AgentUnavailableException none) {
      if (ShareMarker.marks(paths.socket())) {
        throw new AgentUnavailableException(paths.socket(), ShareMarker.endedMessage(paths.socket()));
      }
      boolean onlyThisOne = "0".equals(System.getenv("CREDAGENT_AUTOSTART")) || namedExplicitly();
      Path recorded = onlyThisOne ? null : recordedSocket(paths);
      if (recorded == null) {
        throw none;
      }
      try {
        return connect(recorded, connectWithinMillis);
      } catch (AgentUnavailableException alsoNone) {
        throw none; // a stale record: say what our own socket said
      }
    }
  }

  /** The socket this client is connected to (not always the one {@link AgentPaths} names: see {@link #connect(AgentPaths)}). */
  public Path socket() {
    return path;
  }

  /** {@code CREDAGENT_SOCKET} names the socket: that one, and no other. */
  static boolean namedExplicitly() {
    String named = System.getenv("CREDAGENT_SOCKET");
    return named != null && !named.isEmpty();
  }

  /** The other socket the home's daemon serves, or null (none recorded, the same one, or a home not ours). */
  private static Path recordedSocket(AgentPaths paths) {
    try {
      if (!Files.isDirectory(paths.home())) {
        return null;
      }
      PrivateDirectory.check(paths.home(), CurrentUser.uid());
      HomeLock.Holder holder = HomeLock.read(paths.home());
      return holder == null || holder.socket().equals(paths.socket().toAbsolutePath()) ? null : holder.socket();
    } catch (IOException unreadable) {
      return null;
    }
  }

  /** How long a daemon may take to accept a connection: a live one takes none of it. */
  static final int CONNECT_WITHIN_MILLIS = 10_000;

  private static AgentClient connect(Path path, int connectWithinMillis) throws IOException {
    SocketCheck.check(path, CurrentUser.uid());
    AFUNIXSocket socket = AFUNIXSocket.newInstance();
    AgentPaths paths = new AgentPaths(null, path);
    try {
      // Bounded before connect: a stopped or hung daemon's full backlog made connect() wait for an
      // accept that never came (junixsocket's timeout argument does not bound a blocking connect).
      socket.setSoTimeout(connectWithinMillis);
      socket.connect(AFUNIXSocketAddress.of(paths.socket().toFile()), connectWithinMillis);
      AFUNIXSocketCredentials peer = socket.getPeerCredentials();
      if (peer == null || peer.getUid() != CurrentUser.uid()) {
        throw new IOException("refusing the daemon on " + paths.socket() + ": it runs as uid "
            + (peer == null ? "unknown" : peer.getUid()) + ", not as you (uid " + CurrentUser.uid()
            + "); nothing was sent. Stop it, or set CREDAGENT_SOCKET to a socket of your own");
      }
      socket.setSoTimeout(120_000);
      return new AgentClient(socket, paths.socket());
    } catch (SocketTimeoutException stalled) {
      socket.close(); // a daemon is there, stalled: not "unavailable", so nothing is started over it
      throw new IOException("the credagent daemon on " + paths.socket() + " did not take the connection within "
          + (connectWithinMillis % 1000 == 0 ? connectWithinMillis / 1000 + " s" : connectWithinMillis + " ms") + " (it is stopped or hung); nothing was sent. Stop it, then try again");
    } catch (SocketException e) {
      socket.close();
      throw new AgentUnavailableException(paths.socket(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Connects, starting the daemon first when nothing answers (the way gpg-agent is started). */
  public static AgentClient connectOrStart(AgentPaths paths) throws IOException {
    try {
      return connect(paths);
    } catch (AgentUnavailableException notRunning) {
      if ("0".equals(System.getenv("CREDAGENT_AUTOSTART"))) { // a forwarded share: nothing to start here
        throw new AgentUnavailableException(paths.socket(), "CREDAGENT_AUTOSTART=0: no daemon is started here");
      }
      DaemonStarter.start(paths, false);
      return connect(paths);
    }
  }

  /** Sends one request and returns the answer; an error answer becomes an {@link AgentErrorException}. */
  public JsonNode call(ClientRequest request) throws IOException {
    byte[] line = request.toLine();
    try {
      out.write(line);
      out.flush();
    } finally {
      Arrays.fill(line, (byte) 0);
    }
    String answer = in.readLine();
    if (answer == null) {
      throw new IOException("the daemon closed the connection without answering");
    }
    return reply(answer);
  }

  /**
   * {@link #call}, its answer awaited at most {@code within}: for a request a running daemon answers
   * at once (status), never one that may wait on a prompt. A stopped or hung daemon's socket still
   * takes connections into its backlog, so connecting said nothing about it.
   */
  public JsonNode callWithin(ClientRequest request, java.time.Duration within) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout(Math.toIntExact(Math.max(1, within.toMillis())));
    try {
      return call(request);
    } catch (SocketTimeoutException stalled) {
      throw new IOException("the credagent daemon on " + path + " took the connection but did not answer within "
          + (within.toMillis() % 1000 == 0 ? within.toSeconds() + " s" : within.toMillis() + " ms")
          + " (it is stopped or hung); stop it (kill -CONT or kill it), then try again");
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout(before);
      }
    }
  }

  /** The daemon's answer line as the CLI takes it: the object, or its error as an {@link AgentErrorException}. */
  public static JsonNode reply(String answer) throws IOException {
    return AgentReply.read(answer);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
