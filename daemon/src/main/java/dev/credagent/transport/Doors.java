package dev.credagent.transport;

import java.util.Comparator;
import java.util.List;

/**
 * What one server serves: its doors, and what must run before the answers of an event-loop turn
 * leave it (the audit log's lines, written once for the turn whichever doors answered in it). The
 * daemon builds one for its socket and one for its shares; the server reads it, nothing between.
 *
 * @param doors tried longest prefix first, so that a shorter prefix never takes a longer one's
 *     connections; no two may share a prefix
 * @param beforeAnswersLeave see {@link AnswerFlush}
 */
public record Doors(List<Door> doors, Runnable beforeAnswersLeave) {
  public Doors {
    doors = doors.stream().sorted(Comparator.comparingInt(Door::prefixLength).reversed()).toList();
    for (int i = 1; i < doors.size(); i++) {
      if (doors.get(i).samePrefix(doors.get(i - 1))) {
        throw new IllegalArgumentException("the doors " + doors.get(i - 1) + " and " + doors.get(i)
            + " have the same prefix: a connection could not choose between them");
      }
    }
  }
}
