package dev.credagent.transport;

import dev.credagent.protocol.Response;
import dev.credagent.service.Caller;
import java.util.concurrent.CompletableFuture;

/** What the server hands each request line to; the future never fails, errors are responses. */
@FunctionalInterface
public interface RequestHandler {
  CompletableFuture<Response> handle(Caller caller, byte[] line);
}
