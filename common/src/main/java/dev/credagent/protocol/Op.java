package dev.credagent.protocol;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The ops of protocol version 1, in one table: the daemon dispatches on it, the parser takes the
 * secret fields from it (as wipeable characters, never a String), and the client builds requests
 * from it. A new op is one line here; a secret field it forgets to declare fails {@code OpTest}.
 *
 * @param fields the string fields it takes
 * @param secretFields the fields that carry a secret
 * @param blocking whether it may wait (key derivation, fsync, a registry, a source's run); the
 *     others are answered at once, on the event loop, which {@code ProtocolCodecTest} checks
 * @param share whether and how a share serves it ({@link Share}); the service's gate refuses the
 *     others that came through a share, whichever door, before their fields are read
 */
public enum Op {
  PING("ping", List.of(), List.of(), false, Share.SCOPED), // hands out nothing but the version
  STATUS("status", List.of(), List.of(), false),
  UNLOCK("unlock", List.of("ttl", "idle_ttl", "slot", "check"), List.of("passphrase"), true),
  LOCK("lock", List.of(), List.of(), false),
  STOP("stop", List.of(), List.of(), false),
  STORE("store", placed("server", "username", "pattern"), List.of("secret"), true),
  GET("get", placed(Fields.withPromptPlaces("server")), List.of(), true, Share.SCOPED), // from memory at once, but a source may have to run
  ERASE("erase", placed("server", "purge", "all"), List.of(), true),
  RESTORE("restore", placed("server"), List.of(), true),
  LIST("list", placed("erased", "all_profiles"), List.of(), false, Share.FILTERED), // the helper's list too
  LOGIN("login", placed("registry", "username", "insecure", "as"), List.of("password"), true),
  TOKEN("token", placed(Fields.withPromptPlaces("registry", "scope", "insecure")), List.of(), true, Share.SCOPED),
  SOURCE_ADD("source_add", placed("registry", "exec", "helper", "username", "ttl", "env", "pattern"), List.of(), true),
  SOURCE_LIST("source_list", List.of(), List.of(), false),
  SOURCE_REMOVE("source_remove", placed("registry"), List.of(), true),
  SHARE("share", placed("socket", "registries", "ttl"), List.of(), true), // binds a socket
  SHARE_STOP("share_stop", List.of("socket"), List.of(), true),
  PASSWD("passwd", List.of("slot", "reseal"), List.of("passphrase", "new_passphrase"), true), // key derivations
  KEYSLOT_LIST("keyslot_list", List.of(), List.of(), true), // reads the slots file
  KEYSLOT_ADD("keyslot_add", List.of("kind"), List.of("secret", "passphrase"), true), // passphrase: the vault's, as remove's
  KEYSLOT_REMOVE("keyslot_remove", List.of("index"), List.of("passphrase"), true), // a key derivation
  PROFILE_ADD("profile_add", List.of("name", "dirs"), List.of(), true), // dirs: absolute paths, one per line
  PROFILE_LIST("profile_list", List.of(), List.of(), false),
  PROFILE_REMOVE("profile_remove", List.of("name", "erase"), List.of(), true),
  PROFILE_WHICH("profile_which", placed(), List.of(), false);

  /**
   * The fields that say where a request comes from, on every op that a profile scopes: {@code
   * profile} (a name: the client's --profile or CREDAGENT_PROFILE) and {@code cwd} (the client's
   * working directory, absolute). Both optional: a client that sends neither (any client before
   * them) is answered in the default profile.
   */
  public static final List<String> PLACE = List.of("profile", "cwd");

  private static List<String> placed(String... fields) {
    return placed(List.of(fields));
  }

  private static List<String> placed(List<String> fields) {
    return Stream.concat(fields.stream(), Stream.of("profile", "cwd")).toList();
  }

  /** Whether a profile scopes this op: it takes {@link #PLACE}. */
  public boolean profiled() {
    return fields.containsAll(PLACE);
  }

  /** Every field any op declares secret: the parser never makes a String of these. */
  public static final Set<String> SECRET_FIELDS =
      Arrays.stream(values()).flatMap(op -> op.secretFields.stream()).collect(Collectors.toUnmodifiableSet());

  private final String wire;
  private final List<String> fields;
  private final List<String> secretFields;
  private final boolean blocking;
  private final Share share;

  /**
   * What a share does with an op (as ssh-agent's destination constraints: one table, one check).
   * The gate refuses {@link #NEVER} through a share; the service asks the share's {@code permits}
   * of each answer of the other two.
   */
  public enum Share {
    /** Never through a share: a write, the vault's key, the daemon itself, another share. */
    NEVER,
    /** Served, for what the share's patterns hold: the one registry or repository asked. */
    SCOPED,
    /** Served, its answer filtered to the entries the share's patterns hold. */
    FILTERED
  }

  Op(String wire, List<String> fields, List<String> secretFields, boolean blocking) {
    this(wire, fields, secretFields, blocking, Share.NEVER);
  }

  Op(String wire, List<String> fields, List<String> secretFields, boolean blocking, Share share) {
    this.wire = wire;
    this.fields = fields;
    this.secretFields = secretFields;
    this.blocking = blocking;
    this.share = share;
  }

  /** Whether and how a share serves this op. */
  public Share share() {
    return share;
  }

  public String wire() {
    return wire;
  }

  public List<String> fields() {
    return fields;
  }

  public List<String> secretFields() {
    return secretFields;
  }

  public boolean blocking() {
    return blocking;
  }

  /**
   * Whether the service commits this op in order with the others of its kind, in groups (one
   * fsync for the stores and erases that queued up during the last one), so that a pipelined
   * burst of them need not wait for each other's fsync to start.
   */
  public boolean groupCommitted() {
    return this == STORE || this == ERASE;
  }

  /** Every request looks its op up: a map, not a stream over a fresh copy of values(). */
  private static final Map<String, Op> BY_WIRE = Arrays.stream(values())
      .collect(Collectors.toUnmodifiableMap(Op::wire, op -> op));

  public static Optional<Op> named(String wire) {
    return Optional.ofNullable(BY_WIRE.get(wire));
  }

  /** "ping, status, ...", for the answer to an unknown op. */
  public static String known() {
    return Arrays.stream(values()).map(Op::wire).collect(Collectors.joining(", "));
  }
}
