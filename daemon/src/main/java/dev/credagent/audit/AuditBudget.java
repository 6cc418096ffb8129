package dev.credagent.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * share and junk may write 2 units, and all of them together 4. So a week of the most they may
 * write fills 4/10 of the files, the summaries a little more, and the rest is the owner's. The
 * owner's own lines are never suppressed: every get of the owner's clients stays audited (a
 * process of the owner's uid could delete the files anyway), and the owner's history is lost only
 * to the owner's own volume, as before. What is over a budget is not written but counted, and
 * said in one line per origin when the hour ends ({@link Summary}).
 */
public final class AuditBudget {
  public static final Duration INTERVAL = Duration.ofHours(1);
  /** How far back the owner's lines are kept whatever other clients send. */
  public static final Duration HISTORY = Duration.ofDays(7);
  /** Never suppresses anything: tests of other things. */
  public static final AuditBudget NONE = new AuditBudget(Long.MAX_VALUE / 16);
  private static final String OWNER = "owner";
  private static final String JUNK = "junk";

  private final long unit;
  private long interval = Long.MIN_VALUE;
  private final Map<String, Long> spent = new HashMap<>();
  private long othersSpent;
  /** Per origin, per "op outcome", what was not written this hour; in the order they began. */
  private final Map<String, Map<String, Long>> suppressed = new LinkedHashMap<>();

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
    othersSpent = 0;
    return drain();
  }

  /** What was suppressed and not yet said; said once (the daemon is closing, or the hour ended). */
  List<Summary> drain() {
    List<Summary> summaries = new ArrayList<>();
    suppressed.forEach((origin, counts) -> summaries.add(new Summary(origin, new TreeMap<>(counts))));
    suppressed.clear();
    return summaries;
  }

  /** True when a line of {@code bytes} from {@code origin} may be written; else it is counted as suppressed. */
  boolean admit(String origin, String op, String outcome, long bytes) {
    if (origin.equals(OWNER)) {
      return true;
    }
    long had = spent.getOrDefault(origin, 0L);
    if (had + bytes <= 2 * unit && othersSpent + bytes <= 4 * unit) {
      spent.put(origin, had + bytes);
      othersSpent += bytes;
      return true;
    }
    suppressed.computeIfAbsent(origin, o -> new HashMap<>()).merge(op + " " + outcome, 1L, Long::sum);
    return false;
  }

  /** One origin's lines not written in one hour, by op and outcome. */
  record Summary(String origin, Map<String, Long> counts) {
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
      return text.toString();
    }
  }
}
