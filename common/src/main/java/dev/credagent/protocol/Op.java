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
 * @param shared whether a share serves it (what it hands out is then bounded by the share's
 *     patterns); the service refuses every other op that came through a share, whichever door
 */
public enum Op {
  PING("ping", List.of(), List.of(), false, true),
  STATUS("status", List.of(), List.of(), false),
  UNLOCK("unlock", List.of("ttl", "idle_ttl", "slot"), List.of("passphrase"), true),
  LOCK("lock", List.of(), List.of(), false),
  STOP("stop", List.of(), List.of(), false),
  STORE("store", placed("server", "username", "pattern"), List.of("secret"), true),
  GET("get", placed(Fields.withPromptPlaces("server")), List.of(), true, true), // from memory at once, but a source may have to run
  ERASE("erase", placed("server", "purge", "all"), List.of(), true),
  RESTORE("restore", placed("server"), List.of(), true),
  LIST("list", placed("erased", "all_profiles"), List.of(), false),
  LOGIN("login", placed("registry", "username", "insecure", "as"), List.of("password"), true),
  TOKEN("token", placed(Fields.withPromptPlaces("registry", "scope", "insecure")), List.of(), true, true),
  SOURCE_ADD("source_add", placed("registry", "exec", "helper", "username", "ttl", "env", "pattern"), List.of(), true),
  SOURCE_LIST("source_list", List.of(), List.of(), false),
  SOURCE_REMOVE("source_remove", placed("registry"), List.of(), true),
  SHARE("share", placed("socket", "registries", "ttl"), List.of(), true), // binds a socket
  SHARE_STOP("share_stop", List.of("socket"), List.of(), true),
  PASSWD("passwd", List.of("slot", "reseal"), List.of("passphrase", "new_passphrase"), true), // key derivations
  KEYSLOT_LIST("keyslot_list", List.of(), List.of(), true), // reads the slots file
  KEYSLOT_ADD("keyslot_add", List.of("kind"), List.of("secret"), true),
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
  private final boolean shared;

  Op(String wire, List<String> fields, List<String> secretFields, boolean blocking) {
    this(wire, fields, secretFields, blocking, false);
  }

  Op(String wire, List<String> fields, List<String> secretFields, boolean blocking, boolean shared) {
    this.wire = wire;
    this.fields = fields;
    this.secretFields = secretFields;
    this.blocking = blocking;
    this.shared = shared;
  }

  public boolean shared() {
    return shared;
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
