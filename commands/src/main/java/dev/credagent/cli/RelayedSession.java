package dev.credagent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.credagent.client.AgentReply;
import dev.credagent.client.ClientRequest;
import dev.credagent.files.AgentPaths;
import dev.credagent.protocol.Response;
import dev.credagent.caller.Caller;
import dev.credagent.transport.RequestHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command the native credagent relayed, running inside the daemon: standard input is what it
 * sent, output is collected for the reply, and each request is the same request line the JVM CLI
 * would send, handed to the daemon's request handler in-process with the relay's caller (so the
 * audit log and the peer's identity are those of the native credagent's connection).
 */
final class RelayedSession implements Session {
  /** As long as the JVM CLI waits on its socket. */
  private static final Duration ANSWER_WAIT = Duration.ofSeconds(120);

  private final RequestHandler requests;
  private final Caller caller;
  private final AgentPaths paths;
  private final InputStream in;
  private final WipedBytes outBytes = new WipedBytes();
  private final WipedBytes errBytes = new WipedBytes();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
  /** The undelivered actions of the answers the command got: they reach the client only in its reply. */
  private final List<Runnable> lost = new ArrayList<>();

  RelayedSession(RequestHandler requests, Caller caller, AgentPaths paths, byte[] stdin) {
    this.requests = requests;
    this.caller = caller;
    this.paths = paths;
    this.in = new ByteArrayInputStream(stdin);
  }

  @Override
  public InputStream in() {
    return in;
  }

  @Override
  public PrintStream out() {
    return out;
  }

  @Override
  public PrintStream err() {
    return err;
  }

  @Override
  public Optional<Console> terminal() {
    return Optional.empty();
  }

  @Override
  public String cwd() {
    return caller.cwd();
  }

  @Override
  public AgentPaths paths() {
    return paths;
  }

  @Override
  public JsonNode call(ClientRequest request) throws IOException {
    try (request) {
      Response response = requests.handle(caller, request.toLine()).get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      byte[] line = response.toLine();
      try {
        return AgentReply.read(new String(line, StandardCharsets.UTF_8));
      } finally {
        Arrays.fill(line, (byte) 0);
        response.close();
        response.afterSent().run();
        lost.add(response.undelivered());
      }
    } catch (TimeoutException e) {
      throw new IOException("the daemon did not answer within " + ANSWER_WAIT.toSeconds() + " s");
    } catch (ExecutionException e) {
      throw new IOException("the daemon failed to answer: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the daemon answered");
    }
  }

  @Override
  public JsonNode callRunning(ClientRequest request) throws IOException {
    return call(request); // we are the running daemon
  }

  /** The reply, and with it what the daemon's answers carried, never reached the client: said as each answer says it. */
  void undelivered() {
    lost.forEach(Runnable::run);
  }

  /** What the command printed, as the reply carries it (standard output may hold a secret: the buffer is wiped). */
  byte[] output() {
    out.flush();
    return outBytes.takeAll();
  }

  byte[] errors() {
    err.flush();
    return errBytes.takeAll();
  }

  /** A byte buffer whose array is zeroed once its contents are taken. */
  private static final class WipedBytes extends ByteArrayOutputStream {
    WipedBytes() {
      super(256);
    }

    synchronized byte[] takeAll() {
      byte[] all = toByteArray();
      Arrays.fill(buf, (byte) 0);
      reset();
      return all;
    }
  }

  /** As it is: the native credagent's frame said where (the daemon's own environment is not the requester's). */
  @Override
  public ClientRequest withPromptPlaces(ClientRequest request) {
    return request;
  }
}
