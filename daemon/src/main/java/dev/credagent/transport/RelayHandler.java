package dev.credagent.transport;

import dev.credagent.caller.Caller;
import java.util.concurrent.CompletableFuture;

/** Serves the credential-helper relay: an action and the helper's stdin in, exit code and stdout out. */
@FunctionalInterface
public interface RelayHandler {
  CompletableFuture<RelayReply> handle(Caller caller, String action, byte[] input);
}
