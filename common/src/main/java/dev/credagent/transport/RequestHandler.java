package dev.credagent.transport;

import dev.credagent.caller.Caller;
import dev.credagent.protocol.Response;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** What the server hands each request line to; the future never fails, errors are responses. */
@FunctionalInterface // handle; overlapsWrites has a default
public interface RequestHandler {
  CompletableFuture<Response> handle(Caller caller, byte[] line);

  /**
   * Whether the request on {@code line} is one the service commits in order with the others of
   * its kind (a store, an erase), so that it may start before those just before it are durable.
   * Called before {@link #handle}, on the same line; a line it cannot tell about is not.
   */
  default boolean overlapsWrites(byte[] line) {
    return false;
  }

  /**
   * Reads {@code line} as it comes off the wire, once, for both questions the server asks of it:
   * whether it overlaps writes, and (in its turn) its answer. The handler owns the line from here
   * (the protocol's codec wipes it once parsed).
   */
  default Queued read(byte[] line) {
    return new Queued(overlapsWrites(line), caller -> handle(caller, line));
  }

  /**
   * A request read off the wire, waiting for its turn: whether it overlaps writes (see {@link
   * #overlapsWrites}), and how its answer is made, for the caller it came from.
   */
  record Queued(boolean overlapsWrites, Function<Caller, CompletableFuture<Response>> answer) {
    /** A request answered {@code response} whoever asks: one that could not be read. */
    public static Queued answered(Response response) {
      return new Queued(false, caller -> CompletableFuture.completedFuture(response));
    }

    /**
     * Its answer, for {@code caller}: errors a client caused are responses; a future that fails (a
     * defect inside the daemon) is answered as an internal error.
     */
    public CompletableFuture<Response> handle(Caller caller) {
      return answer.apply(caller);
    }
  }
}
