package dev.credagent.transport;

import dev.credagent.audit.ClientWarnings;
import dev.credagent.caller.Caller;
import dev.credagent.failure.ErrorCode;
import dev.credagent.protocol.Response;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Newline-delimited JSON: one request line in, one response line out, in order, however long an
 * op takes and on whatever thread it finishes.
 *
 * <p>Order holds because each request starts only once every request before it has finished,
 * and every write happens on the connection's event loop (a write from another thread would be
 * queued behind the loop's own, and a later answer made on the loop would overtake it). One
 * exception, which changes no outcome: a store or an erase ({@link RequestHandler#overlapsWrites})
 * may start while the stores and erases just before it still wait for their fsync, since the
 * service commits them in the order they came, in groups; anything else still waits for them all.
 * Answers go out in request order either way. A client that shuts its side down after writing (as
 * {@code socat} does at the end of its input) still gets every answer, then the connection closes.
 */
final class LineHandler extends SimpleChannelInboundHandler<byte[]> {
  private static final Logger LOG = Logger.getLogger(LineHandler.class.getName());

  private final RequestHandler requests;
  private final int maxPending;
  /** Every answer so far has been written. */
  private CompletableFuture<Void> sent = CompletableFuture.completedFuture(null);
  /** Every request so far has finished. */
  private CompletableFuture<Void> allDone = CompletableFuture.completedFuture(null);
  /** Every request so far that is not an overlapping write has finished. */
  private CompletableFuture<Void> barrier = CompletableFuture.completedFuture(null);
  private int pending;
  private boolean closeWhenAnswered;

  private final AnswerFlush flush;

  LineHandler(RequestHandler requests, ServerLimits limits) {
    this(requests, limits, new AnswerFlush(() -> {}));
  }

  LineHandler(RequestHandler requests, ServerLimits limits, AnswerFlush flush) {
    this.requests = requests;
    this.maxPending = limits.maxPendingPerConnection();
    this.flush = flush;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, byte[] line) {
    if (isBlank(line)) {
      return;
    }
    RequestHandler.Queued request = read(line);
    if (pending == 0) { // nothing before it: no need to wait, nor to hop back onto the loop
      CompletableFuture<Response> answer = handle(request, caller(ctx));
      if (answer.isDone()) { // a get, a list: answered at once, with no future chained for it
        pending++;
        sent(ctx, answerOf(answer));
        return;
      }
      enqueue(ctx, request.overlapsWrites(), () -> answer);
      return;
    }
    enqueue(ctx, request.overlapsWrites(), () -> handle(request, caller(ctx)));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      closeWhenAnswered = true;
      closeIfDone(ctx);
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    switch (cause) {
      case TooLongFrameException tooLong -> enqueue(ctx, false, () -> CompletableFuture.completedFuture(
          Response.error(ErrorCode.TOO_LARGE, tooLong.getMessage() + "; it was discarded")));
      case InputRejectedException rejected -> {
        String said = ClientWarnings.SHARED.next("closing a connection: " + rejected.getMessage());
        if (said != null) {
          LOG.warning(said);
        }
        closeWhenAnswered = true;
        enqueue(ctx, false, () -> CompletableFuture.completedFuture(Response.error(rejected.code(), rejected.getMessage())));
      }
      default -> {
        // Mostly a client that left before its answer (reset by peer): bounded as every warning
        // about clients, or a share's far side could grow the never-rotated daemon.log without end.
        String said = ClientWarnings.SHARED.next("closing a connection after an error: " + cause);
        if (said != null) {
          LOG.warning(said);
        }
        ctx.close();
      }
    }
  }

  /**
   * Runs {@code answer} once every earlier request on this connection has finished (an
   * overlapping write: every earlier one that is not an overlapping write), and writes its answer
   * after every earlier answer.
   */
  private void enqueue(ChannelHandlerContext ctx, boolean overlapping,
      Supplier<CompletableFuture<Response>> answer) {
    pending++;
    ConnectionState.of(ctx.channel()).pending(pending);
    if (pending >= maxPending) {
      ctx.channel().config().setAutoRead(false); // the client waits in its write: memory stays bounded
    }
    CompletableFuture<Response> result = (overlapping ? barrier : allDone)
        .thenComposeAsync(ignored -> answer.get(), ctx.executor())
        .exceptionally(LineHandler::internalError);
    allDone = allDone.thenCombine(result, (before, response) -> null);
    if (!overlapping) {
      barrier = allDone;
    }
    sent = sent
        .thenCombineAsync(result, (before, response) -> response, ctx.executor())
        .thenAccept(response -> sent(ctx, response));
  }

  /** The request on {@code line}; one whose reading failed outright is still answered, in its turn. */
  private RequestHandler.Queued read(byte[] line) {
    try {
      return requests.read(line);
    } catch (RuntimeException | Error e) {
      return new RequestHandler.Queued(false, caller -> CompletableFuture.failedFuture(e));
    }
  }

  /**
   * The connection's peer, with the connection's close as its {@code gone}: a prompt made for a
   * get of this connection ends when it closes (the request names where it may be asked).
   */
  private Caller caller(ChannelHandlerContext ctx) {
    return PeerCheck.caller(ctx.channel()).withPromptPlaces(null, null, gone);
  }

  /** Completes when this connection closes: one per connection (a listener per request grew without bound on a kept-alive one). */
  private final CompletableFuture<Void> gone = new CompletableFuture<>();

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    ctx.channel().closeFuture().addListener(closed -> gone.complete(null));
    super.handlerAdded(ctx);
  }

  private static CompletableFuture<Response> handle(RequestHandler.Queued request, Caller caller) {
    try {
      return request.handle(caller);
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The answer of a finished request; one that failed outright, as {@link #internalError}. */
  private static Response answerOf(CompletableFuture<Response> done) {
    try {
      return done.join();
    } catch (CompletionException | CancellationException e) {
      return internalError(e);
    }
  }

  private void sent(ChannelHandlerContext ctx, Response response) {
    send(ctx, response);
    pending--;
    ConnectionState.of(ctx.channel()).pending(pending);
    if (pending == maxPending / 2 && !closeWhenAnswered) {
      ctx.channel().config().setAutoRead(true);
    }
    closeIfDone(ctx);
  }

  private void closeIfDone(ChannelHandlerContext ctx) {
    if (closeWhenAnswered && pending == 0) {
      flush.now(ctx); // a close drops what was written and not yet flushed
      ctx.close();
    }
  }

  /** A request whose handling failed outright still gets an answer, and the daemon a log line. */
  private static Response internalError(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    LOG.log(Level.SEVERE, "a request failed inside the daemon", cause);
    return Response.error(ErrorCode.INTERNAL, "internal error; the daemon log has details");
  }

  /**
   * Writes the answer straight into a direct buffer (off the heap: a list of 10,000 is half a
   * megabyte the collector need not see), and zeroes it once sent when it carries a secret; then
   * the buffer goes back for the next answer.
   */
  private void send(ChannelHandlerContext ctx, Response response) {
    AnswerBuffers buffers = flush.buffers();
    AnswerBuffers.Output out = buffers.output(ctx.alloc(), response.sizeHint());
    boolean secret = response.carriesSecret();
    try {
      response.writeLine(out);
    } catch (RuntimeException e) {
      out.buffer().setZero(0, out.buffer().writerIndex());
      out.buffer().release();
      throw e;
    } finally {
      response.close();
    }
    ByteBuf line = out.buffer();
    int length = line.writerIndex();
    line.retain(); // kept past the write: zeroed if it holds a secret, and given back
    flush.write(ctx, line).addListener(written -> { // it leaves at the end of this turn, after the audit's write
      if (secret) {
        line.setZero(0, length); // all this answer wrote: the rest never held it
      }
      buffers.giveBack(line);
      if (!written.isSuccess()) { // the client went away first (a Ctrl-C while the key was derived)
        response.undelivered().run();
      }
      response.afterSent().run();
    });
  }

  private static boolean isBlank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
