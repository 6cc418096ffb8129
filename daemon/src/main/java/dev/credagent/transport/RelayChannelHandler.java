package dev.credagent.transport;

import dev.credagent.audit.ClientWarnings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Answers the one relayed call of a connection with {@code EXIT LENGTH\n} and the output, then closes. */
final class RelayChannelHandler extends SimpleChannelInboundHandler<RelayFrameDecoder.Frame> {
  private static final Logger LOG = Logger.getLogger(RelayChannelHandler.class.getName());

  private final RelayHandler relay;
  private boolean answering;
  /**
   * Completes when the client's input ends or the connection closes. The C relay never half-closes,
   * so its end of input is its death (Ctrl-C at a prompt): a prompt made for it ends then. A client
   * that half-closes on purpose (socat) is still answered, but is asked nothing.
   */
  private final java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();

  private final AnswerFlush flush;

  RelayChannelHandler(RelayHandler relay) {
    this(relay, new AnswerFlush(() -> {}));
  }

  RelayChannelHandler(RelayHandler relay, AnswerFlush flush) {
    this.relay = relay;
    this.flush = flush;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, RelayFrameDecoder.Frame frame) {
    answering = true;
    // Work in progress until the answer leaves (the connection then closes): at the cap, a helper
    // waiting on a slow source, a token fetch or a prompt is not the idle connection a new one evicts.
    ConnectionState.of(ctx.channel()).pending(1);
    CompletableFuture<RelayReply> reply;
    try {
      // Where docker (skopeo, Jib...) runs, and its CREDAGENT_PROFILE: the profile this call is answered in.
      reply = relay.handle(frame.attributes().promptPlaces(PeerCheck.caller(ctx.channel()), gone)
          .at(frame.attributes().get(HeaderAttributes.Key.CWD), frame.attributes().get(HeaderAttributes.Key.PROFILE)),
          frame.action(), frame.input());
    } catch (RuntimeException | Error e) {
      reply = CompletableFuture.failedFuture(e);
    }
    if (reply.isDone() && ctx.executor().inEventLoop()) { // a get, mostly: answered now, without a task for it
      Future.State state = reply.state();
      answer(ctx, state == Future.State.SUCCESS ? reply.resultNow() : null,
          state == Future.State.FAILED ? reply.exceptionNow() : state == Future.State.SUCCESS ? null : new CancellationException());
      return;
    }
    reply.whenCompleteAsync((answer, failure) -> answer(ctx, answer, failure), ctx.executor());
  }

  private void answer(ChannelHandlerContext ctx, RelayReply answer, Throwable failure) {
    if (failure != null || answer == null) {
      LOG.log(Level.SEVERE, "a relayed call failed inside the daemon", failure);
      answer = RelayReply.line(1, "docker-credential-agent: credagent failed internally; its daemon log has details");
    }
    send(ctx, answer);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().closeFuture().addListener(closed -> gone.complete(null));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      gone.complete(null);
      if (!answering) {
        ctx.close(); // the client went away before a whole frame: nothing to answer
      }
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (answering) {
      warn("relay connection: " + cause.getMessage());
      return;
    }
    answering = true;
    warn("bad relay frame: " + cause.getMessage());
    String message = cause.getCause() != null && !(cause instanceof InputRejectedException)
        ? cause.getCause().getMessage() : cause.getMessage();
    send(ctx, RelayReply.line(1, "docker-credential-agent: " + message));
  }

  private static void warn(String message) {
    String said = ClientWarnings.SHARED.next(message);
    if (said != null) {
      LOG.warning(said);
    }
  }

  private void send(ChannelHandlerContext ctx, RelayReply reply) {
    byte[] header = (reply.exitCode() + " " + reply.output().length + "\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuf out = ctx.alloc().buffer(header.length + reply.output().length);
    out.writeBytes(header).writeBytes(reply.output());
    Arrays.fill(reply.output(), (byte) 0);
    flush.write(ctx, out).addListener(ChannelFutureListener.CLOSE); // at the end of this turn, after the audit's write
  }
}
