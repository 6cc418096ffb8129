package dev.credagent.audit;

import dev.credagent.caller.ShareScope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How many bytes of audit lines each origin may write per hour, so that no client can rotate the
 * owner's history out of the files. Collapsing repeats is not enough: 40,000 gets of distinct
 * names through one share took 1.7 s and pushed every line of the files out, the owner's unlocks
 * with them.
 *
 * <p>An origin is the owner (requests on the daemon's own socket), each share by name, or junk
 * (requests on the owner's socket refused for what they carry, {@code bad_request}). The budgets
 * are shares of what the files keep ({@link AuditLog#KEPT} full files; the current one may have
 * just been started): per hour, a tenth of that spread over {@link #HISTORY} is one unit; each
 * share and junk has 2/{@link #ORIGINS} units of its own, which no other origin can take (two
 * flooding shares once left a third none), and may borrow from a pool of 2 units common to all,
 * up to 2 units in all. So a week of the most they may write fills 4/10 of the files, the
 * summaries a little more, and the rest is the owner's. A credential that leaves through a share
 * is a line whatever the budget says, once per (share, key, program) and hour, up to {@link
 * #READS_PER_HOUR} per share: 3,000 junk gets of a share's own once hid its read of the owner's
 * key in a summary that named no key. The
 * owner's own lines are never suppressed: every get of the owner's clients stays audited (a
 * process of the owner's uid could delete the files anyway), and the owner's history is lost only
 * to the owner's own volume, as before. What is over a budget is not written but counted, and
 * said in one line per origin at least every {@link #SAY_EVERY} while it lasts (with one or two
 * origins over budget; more wait longer, see {@link #due}) and when the hour ends ({@link
 * Summary}): counts held only in memory until the hour ended were lost to a kill -9.
 */
public final class AuditBudget {
  public static final Duration INTERVAL = Duration.ofHours(1);
  /** How far back the owner's lines are kept whatever other clients send. */
  public static final Duration HISTORY = Duration.ofDays(7);
  /** Distinct (key, program) reads a share may have as lines of their own per hour, over its budget. */
  public static final int READS_PER_HOUR = 1_000;
  /** How often an origin over its budget has its counts so far written: what a kill -9 may lose. */
  public static final Duration SAY_EVERY = Duration.ofMinutes(1);
  /** Origins other than the owner: every share that may be open at once, and junk. */
  static final int ORIGINS = ShareScope.MAX_OPEN + 1;
  /** Distinct keys counted past {@link #READS_PER_HOUR}; the vault's keys, bounded all the same. */
  private static final int KEYS_COUNTED = 10_000;
  /** Never suppresses anything: tests of other things. */
  public static final AuditBudget NONE = new AuditBudget(Long.MAX_VALUE / 64);
  private static final String OWNER = "owner";
  private static final String JUNK = "junk";

  private final long unit;
  private long interval = Long.MIN_VALUE;
  private final Map<String, Long> spent = new HashMap<>();
  private long poolSpent;
  /** Per share, the (key, program) reads written this hour, and the distinct keys of those past the cap. */
  private final Map<String, Set<String>> reads = new HashMap<>();
  private final Map<String, Set<String>> keysOverCap = new HashMap<>();
  /** Per origin, per "op outcome", what was not written and not yet said; in the order they began. */
  private final Map<String, Map<String, Long>> suppressed = new LinkedHashMap<>();
  /** Per origin with counts not yet said, since when it has them. */
  private final Map<String, Instant> unsaidSince = new HashMap<>();

  private AuditBudget(long unit) {
    this.unit = unit;
  }

  /** The budget for audit files of {@code maxBytes} each, {@link AuditLog#KEPT} of them kept. */
  public static AuditBudget forFiles(long maxBytes) {
    return new AuditBudget(AuditLog.KEPT * maxBytes / 10 / (HISTORY.toSeconds() / INTERVAL.toSeconds()));
  }

  /** Where a line comes from: its share, or the owner's socket ({@code junk} when refused for its input). */
  static String origin(String share, String outcome) {
    if (share != null) {
      return "share " + share;
    }
    return outcome.equals("bad_request") ? JUNK : OWNER;
  }

  /**
   * The summaries of the hour that ended, if {@code now} is in a later one (written before any
   * line of the new hour); empty otherwise.
   */
  List<Summary> roll(Instant now) {
    long current = Math.floorDiv(now.getEpochSecond(), INTERVAL.toSeconds());
    if (current == interval) {
      return List.of();
    }
    interval = current;
    spent.clear();
    poolSpent = 0;
    reads.clear();
    return drain();
  }

  /** What was suppressed and not yet said; said once (the daemon is closing, or the hour ended). */
  List<Summary> drain() {
    if (suppressed.isEmpty()) {
      return List.of(); // the usual case, twice per line: no list made for it
    }
    List<Summary> summaries = new ArrayList<>();
    for (String origin : new ArrayList<>(suppressed.keySet())) {
      summaries.add(take(origin));
    }
    return summaries;
  }

  /**
   * The summaries of origins whose counts have waited {@link #SAY_EVERY}: said now, so a kill loses
   * less. With more than two origins over budget at once, each waits that much longer, so that all
   * the summaries of an hour stay about 120 lines (2 units at the default size) however many shares
   * flood: a line a minute for each of 17 origins would take 17 units, past the owner's share.
   */
  List<Summary> due(Instant now) {
    if (suppressed.isEmpty()) {
      return List.of(); // the usual case, twice per line: no lists or Duration made for it
    }
    List<Summary> summaries = new ArrayList<>();
    Duration wait = SAY_EVERY.multipliedBy(Math.max(1, (suppressed.size() + 1) / 2));
    for (String origin : new ArrayList<>(suppressed.keySet())) {
      if (!now.isBefore(unsaidSince.get(origin).plus(wait))) {
        summaries.add(take(origin));
      }
    }
    return summaries;
  }

  /** Whether any origin has counts not yet said: {@link AuditLog#sync} reads the clock only then. */
  boolean unsaid() {
    return !suppressed.isEmpty();
  }

  private Summary take(String origin) {
    Set<String> keys = keysOverCap.remove(origin);
    unsaidSince.remove(origin);
    return new Summary(origin, new TreeMap<>(suppressed.remove(origin)), keys == null ? 0 : keys.size());
  }

  /**
   * True when a line of {@code bytes} from {@code origin} may be written; else it is counted as
   * suppressed. {@code key} is the key of a credential that left through a share for {@code
   * program} (null for anything else): its first line this hour is written over the budget too.
   */
  boolean admit(String origin, String op, String outcome, long bytes, String key, String program, Instant now) {
    if (origin.equals(OWNER)) {
      return true;
    }
    long had = spent.getOrDefault(origin, 0L);
    long own = 2 * unit / ORIGINS;
    long fromPool = Math.max(0, had + bytes - own) - Math.max(0, had - own);
    if (had + bytes <= 2 * unit && poolSpent + fromPool <= 2 * unit) {
      spent.put(origin, had + bytes);
      poolSpent += fromPool;
      if (key != null) {
        readsOf(origin).add(key + "\u0000" + program);
      }
      return true;
    }
    if (key != null) {
      Set<String> written = readsOf(origin);
      if (written.size() < READS_PER_HOUR && written.add(key + "\u0000" + program)) {
        return true; // a read of its own, that no junk can hide
      }
      if (!written.contains(key + "\u0000" + program)) {
        Set<String> keys = keysOverCap.computeIfAbsent(origin, o -> new HashSet<>());
        if (keys.size() < KEYS_COUNTED) {
          keys.add(key);
        }
      }
    }
    suppressed.computeIfAbsent(origin, o -> new HashMap<>()).merge(op + " " + outcome, 1L, Long::sum);
    unsaidSince.putIfAbsent(origin, now);
    return false;
  }

  private Set<String> readsOf(String origin) {
    return reads.computeIfAbsent(origin, o -> new HashSet<>());
  }

  /**
   * One origin's lines not written since its last summary, by op and outcome, and how many distinct
   * keys were served past {@link #READS_PER_HOUR} among them.
   */
  record Summary(String origin, Map<String, Long> counts, long keys) {
    long total() {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code "share ci"}'s name, or null for the owner's socket. */
    String share() {
      return origin.startsWith("share ") ? origin.substring("share ".length()) : null;
    }

    /** "39872 more lines suppressed: get not_found 39872" */
    String text() {
      StringBuilder text = new StringBuilder(total() + " more lines over this origin's budget suppressed:");
      counts.forEach((what, count) -> text.append(' ').append(what).append(' ').append(count).append(','));
      text.setLength(text.length() - 1);
      if (keys > 0) {
        text.append("; credentials of ").append(keys).append(" more distinct keys served past ")
            .append(READS_PER_HOUR).append(" distinct reads this hour");
      }
      return text.toString();
    }
  }
}
