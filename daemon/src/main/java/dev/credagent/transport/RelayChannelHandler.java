package dev.credagent.transport;

import dev.credagent.audit.ClientWarnings;
import dev.credagent.caller.Caller;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
  private final CompletableFuture<Void> gone;

  private final AnswerFlush flush;
  /** The reply this handler answers once active, asked before its connection reached Netty; null when Netty read the frame. */
  private CompletableFuture<RelayReply> awaited;

  RelayChannelHandler(RelayHandler relay) {
    this(relay, new AnswerFlush(() -> {}));
  }

  RelayChannelHandler(RelayHandler relay, AnswerFlush flush) {
    this(relay, flush, new CompletableFuture<>());
  }

  /** A handler whose connection's end completes {@code gone}: the one its call was asked with ({@link #ask(RelayHandler, Caller, RelayFrameDecoder.Frame, CompletionStage)}). */
  RelayChannelHandler(RelayHandler relay, AnswerFlush flush, CompletableFuture<Void> gone) {
    // The message type named, not found by reflection over the class's generics (two map look-ups
    // through a thread-local), which every connection Netty serves paid.
    super(RelayFrameDecoder.Frame.class);
    this.relay = relay;
    this.flush = flush;
    this.gone = gone;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, RelayFrameDecoder.Frame frame) {
    answering = true;
    // Work in progress until the answer leaves (the connection then closes): at the cap, a helper
    // waiting on a slow source, a token fetch or a prompt is not the idle connection a new one evicts.
    ConnectionState.of(ctx.channel()).pending(1);
    settle(ctx, ask(PeerCheck.caller(ctx.channel()), frame));
  }

  /**
   * Asks the relay for {@code frame}'s answer, for {@code caller}: where its program says it may be
   * asked for a passphrase (until this connection is gone), where docker (skopeo, Jib...) runs, and
   * its CREDAGENT_PROFILE, the profile this call is answered in. A relay that throws is a failed
   * answer. The Linux fast path asks through this too, off the event loop: see {@link #awaiting}.
   */
  CompletableFuture<RelayReply> ask(Caller caller, RelayFrameDecoder.Frame frame) {
    return ask(relay, caller, frame, gone);
  }

  /**
   * The same for the Linux fast path, which makes a handler only for a call not answered at once
   * (with this {@code gone}): a handler per connection, most of them answered without Netty, was
   * 2% of its work (its type's matcher, found through a thread-local, and its allocation).
   */
  static CompletableFuture<RelayReply> ask(RelayHandler relay, Caller caller, RelayFrameDecoder.Frame frame,
      CompletionStage<Void> gone) {
    try {
      return relay.handle(frame.attributes().promptPlaces(caller, gone)
          .at(frame.attributes().get(HeaderAttributes.Key.CWD), frame.attributes().get(HeaderAttributes.Key.PROFILE)),
          frame.action(), frame.input());
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Makes this handler answer {@code reply}, asked by {@link #ask} before its connection reached
   * Netty (the fast path's call that was not answered at once: a locked vault's prompt, a token
   * fetch), once it is the connection's handler and the connection is active.
   */
  RelayChannelHandler awaiting(CompletableFuture<RelayReply> reply) {
    awaited = reply;
    return this;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (awaited != null) {
      answering = true;
      ConnectionState.of(ctx.channel()).pending(1);
      settle(ctx, awaited);
    }
    super.channelActive(ctx);
  }

  /** The client sends nothing after its one frame; what comes anyway is zeroed and dropped (the decoder's part, where there is one). */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf stray) {
      stray.setZero(stray.readerIndex(), stray.readableBytes());
      stray.release();
      return;
    }
    super.channelRead(ctx, msg);
  }

  private void settle(ChannelHandlerContext ctx, CompletableFuture<RelayReply> reply) {
    if (reply.isDone() && ctx.executor().inEventLoop()) { // a get, mostly: answered now, without a task for it
      send(ctx, outcome(reply));
      return;
    }
    reply.whenCompleteAsync((answer, failure) -> send(ctx, outcome(answer, failure)), ctx.executor());
  }

  /** What a done {@code reply} tells the client. */
  static RelayReply outcome(CompletableFuture<RelayReply> reply) {
    Future.State state = reply.state();
    return outcome(state == Future.State.SUCCESS ? reply.resultNow() : null,
        state == Future.State.FAILED ? reply.exceptionNow() : state == Future.State.SUCCESS ? null : new CancellationException());
  }

  private static RelayReply outcome(RelayReply answer, Throwable failure) {
    if (failure != null || answer == null) {
      LOG.log(Level.SEVERE, "a relayed call failed inside the daemon", failure);
      return RelayReply.line(1, "docker-credential-agent: credagent failed internally; its daemon log has details");
    }
    return answer;
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

  /** What precedes a reply's output on the wire, {@code EXIT LENGTH\n}: the one place it is made. */
  static byte[] header(RelayReply reply) {
    return (reply.exitCode() + " " + reply.output().length + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  private void send(ChannelHandlerContext ctx, RelayReply reply) {
    byte[] header = header(reply);
    ByteBuf out = ctx.alloc().buffer(header.length + reply.output().length);
    out.writeBytes(header).writeBytes(reply.output());
    Arrays.fill(reply.output(), (byte) 0);
    ZeroOnceSent zero = ZeroOnceSent.hold(out); // the buffer holds the secret until zeroed
    flush.write(ctx, out).addListener(zero).addListener(ChannelFutureListener.CLOSE); // at the end of this turn, after the audit's write
  }
}
