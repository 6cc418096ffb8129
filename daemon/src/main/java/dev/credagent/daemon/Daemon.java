package dev.credagent.daemon;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.credagent.audit.AuditBudget;
import dev.credagent.audit.AuditLog;
import dev.credagent.config.AgentConfig;
import dev.credagent.config.ConfigException;
import dev.credagent.config.Settings;
import dev.credagent.door.DaemonInfo;
import dev.credagent.door.ProtocolCodec;
import dev.credagent.files.AgentPaths;
import dev.credagent.files.HomeLock;
import dev.credagent.files.PrivateDirectory;
import dev.credagent.helper.CredentialHelper;
import dev.credagent.registry.RegistryHttp;
import dev.credagent.registry.RegistryLogin;
import dev.credagent.service.CredentialService;
import dev.credagent.service.ServiceParts;
import dev.credagent.share.Shares;
import dev.credagent.transport.AgentServer;
import dev.credagent.transport.CommandRelay;
import dev.credagent.transport.DaemonAlreadyRunningException;
import dev.credagent.transport.Door;
import dev.credagent.transport.Doors;
import dev.credagent.transport.InheritedSocket;
import dev.credagent.transport.InstanceLock;
import dev.credagent.transport.RequestHandler;
import dev.credagent.transport.ServerLimits;
import dev.credagent.vault.Argon2id;
import dev.credagent.vault.KdfCalibration;
import dev.credagent.vault.KdfParams;
import dev.credagent.vault.Vault;
import dev.credagent.version.AgentVersion;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A running agent: the vault, the socket that serves it, and the lock that makes it the only one
 * for that socket. {@link #start} returns once the socket answers.
 */
public final class Daemon {
  private static final Logger LOG = Logger.getLogger(Daemon.class.getName());
  /** How often the idle collector looks: memory goes back 5 to 10 s after the last request. */
  private static final Duration IDLE_CHECK = Duration.ofSeconds(5);
  /** How often the auto-lock TTLs and the socket file are looked at: the vault locks at most this late. */
  private static final Duration TICK = Duration.ofSeconds(1);
  /** How long a stop waits for the writes it had taken (each an fsync or two) to finish. */
  private static final Duration WRITE_DRAIN = Duration.ofSeconds(5);
  /** How long a daemon that systemd started waits for one started on demand to hand over. */
  private static final Duration SOCKET_TAKEOVER = Duration.ofSeconds(10);
  /** How long a daemon waits for the home's lock from one that is on its way out (as for the socket's). */
  private static final Duration HOME_HANDOVER = Duration.ofMillis(1500);

  private final InstanceLock instanceLock;
  private final HomeLock homeLock;
  private final Vault vault;
  private final ExecutorService vaultThread;
  private final ExecutorService unlockThread;
  private final NetworkThreads network;
  private final CredentialService service;
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("credagent-housekeeping").daemon().factory());
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile AgentServer server;
  private volatile Shares shares;

  private Daemon(InstanceLock instanceLock, HomeLock homeLock, Vault vault, Settings config,
      AuditLog audit, Clock clock) {
    this.instanceLock = instanceLock;
    this.homeLock = homeLock;
    this.vault = vault;
    this.vaultThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("credagent-vault").daemon().factory());
    this.unlockThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("credagent-unlock").daemon().factory());
    this.network = new NetworkThreads("credagent-network-");
    // The composition root: the threads, the registry client, the settings and the audit log are
    // chosen here, and the service's parts wired from them once; the service builds none.
    this.service = new CredentialService(vault, clock, ServiceParts.wire(vault, clock, vaultThread, unlockThread, network,
        new RegistryLogin(RegistryHttp.fromEnvironment(System.getenv()), clock), config, audit));
    // Every server this daemon runs (its socket, its shares) flushes answers through AnswerFlush,
    // which has the service write the audit lines first: one write per event-loop turn.
    audit.deferWrites();
  }

  public static Daemon start(AgentPaths paths, int uid, Path configFile) throws IOException, ConfigException {
    return start(paths, uid, configFile, requests -> CommandRelay.HAND_EVERYTHING_BACK);
  }

  /**
   * Starts the daemon, with {@code commands} making the relay of the native credagent's command
   * lines from the request handler they call (the CLI's command tree lives in the CLI's module).
   */
  public static Daemon start(AgentPaths paths, int uid, Path configFile,
      Function<RequestHandler, CommandRelay> commands) throws IOException, ConfigException {
    ProcessHardening.apply();
    AgentConfig initial = AgentConfig.load(configFile); // a bad file stops the start, with its line
    PrivateDirectory.ensure(paths.home(), uid);
    PrivateDirectory.ensure(paths.socket().getParent(), uid);
    OptionalInt inherited = InheritedSocket.fromEnvironment(System.getenv(), ProcessHandle.current().pid());
    // Started by systemd: a daemon started on demand before systemd's socket existed may still
    // hold the lock; it notices within a second that its socket file was replaced, and leaves.
    InstanceLock instanceLock = inherited.isPresent()
        ? InstanceLock.acquire(paths.socket(), SOCKET_TAKEOVER)
        : InstanceLock.acquire(paths.socket());
    HomeLock homeLock;
    try {
      homeLock = HomeLock.acquire(paths.home(), paths.socket(), inherited.isPresent() ? SOCKET_TAKEOVER : HOME_HANDOVER);
    } catch (IOException | RuntimeException e) {
      instanceLock.close();
      throw e;
    }
    try {
      if (inherited.isEmpty()) {
        removeStaleSocket(paths.socket());
      }
      Clock clock = Clock.systemUTC(); // the one time source: the service, logins, tokens, the audit log
      Daemon daemon = new Daemon(instanceLock, homeLock, new Vault(paths.vault(), Daemon::calibratedKdf), new ConfigReloader(configFile, initial, clock),
          new AuditLog(paths.home().resolve(AuditLog.FILE_NAME), initial.auditMaxBytes(), clock,
              AuditBudget.forFiles(initial.auditMaxBytes())), clock);
      DaemonInfo info = new DaemonInfo(paths.socket(), paths.home(), ProcessHandle.current().pid(), daemon.service.clock().instant());
      // Not on the event loop that answered `stop`: closing waits for that loop to finish.
      Runnable stopFromRequest = () -> Thread.ofPlatform().name("credagent-stop").start(daemon::stop);
      daemon.shares = new Shares(paths.socket().getParent(), uid, daemon.service.clock());
      ProtocolCodec operations = new ProtocolCodec(daemon.service, info, stopFromRequest, daemon.shares);
      CredentialHelper helper = new CredentialHelper(daemon.service);
      // The audit's lines are written once per turn of each server, whichever doors answered in it.
      Runnable beforeAnswersLeave = daemon.service::beforeAnswersLeave;
      daemon.shares.serveWith(new Doors(List.of(Door.jsonLines(operations), Door.helperRelay(helper),
          Door.commands(CommandRelay.HAND_EVERYTHING_BACK)), beforeAnswersLeave));
      Doors doors = new Doors(List.of(Door.jsonLines(operations), Door.helperRelay(helper),
          Door.commands(commands.apply(operations))), beforeAnswersLeave);
      daemon.server = inherited.isPresent()
          ? AgentServer.adopt(inherited.getAsInt(), paths.socket(), uid, ServerLimits.DEFAULT, doors)
          : AgentServer.bind(paths.socket(), uid, ServerLimits.DEFAULT, doors);
      daemon.housekeeping.scheduleWithFixedDelay(new IdleCollector(daemon.server::activity, System::gc),
          IDLE_CHECK.toSeconds(), IDLE_CHECK.toSeconds(), TimeUnit.SECONDS);
      daemon.housekeeping.scheduleWithFixedDelay(daemon::tick,
          TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("credagent-shutdown").unstarted(daemon::stop));
      LOG.info("credagent " + AgentVersion.VALUE + " listening on " + paths.socket() + " (home " + paths.home()
          + "; key derivation: " + Argon2id.get().name() + ")");
      return daemon;
    } catch (IOException | RuntimeException e) {
      homeLock.close();
      instanceLock.close();
      throw e;
    }
  }

  /** A new vault's Argon2 cost: as many passes over 128 MiB as fit in half a second here. */
  private static KdfParams calibratedKdf() {
    KdfParams params = KdfCalibration.calibrate(Argon2id.get(),
        KdfCalibration.TARGET, Ticker.systemTicker());
    LOG.info("a new vault: Argon2id with " + params.memoryKiB() / 1024 + " MiB and " + params.iterations()
        + " pass(es), calibrated to " + KdfCalibration.TARGET.toMillis() + " ms here");
    return params;
  }

  /**
   * Once a second: lock the vault if a TTL ran out; remove the erased credentials past erased-ttl;
   * leave if nobody can reach us any more.
   */
  private void tick() {
    service.expireIfDue();
    service.erasure().expireDue();
    service.beforeAnswersLeave(); // a line whose answer never left (its client went away) is written anyway
    Shares open = shares;
    if (open != null) {
      open.expire();
    }
    AgentServer running = server;
    if (running != null && !running.stillReachable() && !stopping.get()) {
      LOG.warning("the socket file " + running.socket() + " was removed or replaced (systemd's credagent.socket"
          + " starting?); stopping, so that the daemon behind the socket there now takes over");
      Thread.ofPlatform().name("credagent-stop").start(this::stop);
    }
  }

  /** Blocks until the daemon has stopped (a {@code stop} request, SIGTERM or SIGINT). */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** Closes the socket, wipes the vault from memory and releases the instance lock. Idempotent. */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      awaitQuietly();
      return;
    }
    try {
      // Writes already taken finish and are answered (they may be acknowledged an instant
      // later); new ones are refused as the daemon shuts down. Then the socket closes.
      vaultThread.shutdown();
      unlockThread.shutdownNow();
      housekeeping.shutdownNow();
      if (!vaultThread.awaitTermination(WRITE_DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warning("writes still running after " + WRITE_DRAIN.toSeconds() + " s; stopping anyway");
        vaultThread.shutdownNow();
      }
      Shares open = shares;
      if (open != null) {
        open.close();
      }
      AgentServer running = server;
      if (running != null) {
        running.close();
      }
      service.close();
      homeLock.close();
      instanceLock.close();
      LOG.info("credagent stopped");
    } catch (IOException e) {
      LOG.warning("while stopping: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }

  private void awaitQuietly() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * We hold the instance lock, so a socket file left here belongs to a daemon that died. Unless
   * something still answers on it (a daemon from before the lock existed, or another program):
   * that one we leave alone.
   */
  private static void removeStaleSocket(Path socket) throws IOException {
    if (!Files.exists(socket)) {
      return;
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      throw new DaemonAlreadyRunningException(socket, "unknown");
    } catch (DaemonAlreadyRunningException e) {
      throw e;
    } catch (IOException nobodyAnswers) {
      Files.delete(socket);
      LOG.info("replaced a stale socket at " + socket);
    }
  }
}
