package dev.credagent.transport;

import java.util.concurrent.CompletableFuture;

/** Serves the credential-helper relay: an action and the helper's stdin in, exit code and stdout out. */
@FunctionalInterface
public interface RelayHandler {
  CompletableFuture<RelayReply> handle(String action, byte[] input);
}
