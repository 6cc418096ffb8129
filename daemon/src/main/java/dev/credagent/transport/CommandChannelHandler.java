package dev.credagent.transport;

import dev.credagent.audit.ClientWarnings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One relayed command line per connection. The daemon answers the arguments at once with one
 * line: {@code local} (run the JVM CLI instead, and close), {@code stdin line} or {@code stdin all}
 * (send it), or {@code run}; then, once the command has run, {@code exit CODE OUTLEN ERRLEN\n},
 * standard output and standard error, and it closes. The first line comes before anything has
 * run, so a client that waits for it in vain can still hand the command to the JVM CLI.
 */
final class CommandChannelHandler extends SimpleChannelInboundHandler<CommandFrameDecoder.Frame> {
  private static final Logger LOG = Logger.getLogger(CommandChannelHandler.class.getName());

  private final CommandRelay relay;
  private List<String> args;
  private HeaderAttributes attributes = HeaderAttributes.NONE;
  private boolean awaitingStdin;
  private boolean answered;

  private final AnswerFlush flush;

  CommandChannelHandler(CommandRelay relay) {
    this(relay, new AnswerFlush(() -> {}));
  }

  CommandChannelHandler(CommandRelay relay, AnswerFlush flush) {
    this.relay = relay;
    this.flush = flush;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, CommandFrameDecoder.Frame frame) {
    if (frame.stdin()) {
      if (!awaitingStdin) {
        Arrays.fill(frame.payload(), (byte) 0);
        reply(ctx, CommandReply.error(1, "credagent: standard input came before the daemon asked for it"));
        return;
      }
      awaitingStdin = false;
      run(ctx, frame.payload());
      return;
    }
    attributes = frame.attributes();
    try {
      args = CommandFrameDecoder.arguments(frame.payload());
    } catch (IllegalArgumentException e) {
      reply(ctx, CommandReply.error(1, "credagent: " + e.getMessage()));
      return;
    }
    working(ctx, true);
    safely(() -> relay.input(args)).whenCompleteAsync((input, failure) -> {
      working(ctx, false);
      if (answered) {
        return; // refused meanwhile (input that was not asked for): nothing runs
      }
      if (failure != null) {
        failed(ctx, failure);
        return;
      }
      switch (input) {
        case HAND_BACK -> {
          answered = true;
          line(ctx, "local").addListener(ChannelFutureListener.CLOSE);
        }
        case NONE -> {
          line(ctx, "run");
          run(ctx, new byte[0]);
        }
        case LINE, ALL -> {
          awaitingStdin = true;
          line(ctx, input == CommandRelay.Input.LINE ? "stdin line" : "stdin all");
        }
      }
    }, ctx.executor());
  }

  private void run(ChannelHandlerContext ctx, byte[] stdin) {
    working(ctx, true); // until the reply: the connection then closes
    safely(() -> relay.run(attributes.promptPlaces(PeerCheck.caller(ctx.channel()), gone)
        .at(attributes.get(HeaderAttributes.Key.CWD), attributes.get(HeaderAttributes.Key.PROFILE)), args, stdin)).whenCompleteAsync((reply, failure) -> {
      if (failure != null) {
        failed(ctx, failure);
      } else {
        reply(ctx, reply);
      }
    }, ctx.executor());
  }

  /**
   * While the daemon works for this connection it is not idle: at the cap a new client must not
   * take the place of a command waiting on a slow source or a token fetch. A connection waiting for
   * its client's standard input is idle, as a keep-alive is: nothing bounds that wait but the cap.
   */
  private static void working(ChannelHandlerContext ctx, boolean working) {
    ConnectionState.of(ctx.channel()).pending(working ? 1 : 0);
  }

  /** Completes when the client's input ends or the connection closes: a prompt made for it ends then. */
  private final java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().closeFuture().addListener(closed -> gone.complete(null));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof ChannelInputShutdownEvent) {
      gone.complete(null); // the native credagent never half-closes: its end of input is its death (Ctrl-C at a prompt)
      if ((args == null || awaitingStdin) && !answered) {
        ctx.close(); // the client went away before the daemon had what it needed: nothing to answer
      }
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (answered) {
      warn("command connection: " + cause.getMessage());
      return;
    }
    warn("bad command frame: " + cause.getMessage());
    String message = cause.getCause() != null && !(cause instanceof InputRejectedException)
        ? cause.getCause().getMessage() : cause.getMessage();
    reply(ctx, CommandReply.error(1, "credagent: " + message));
  }

  private static void warn(String message) {
    String said = ClientWarnings.SHARED.next(message);
    if (said != null) {
      LOG.warning(said);
    }
  }

  private void failed(ChannelHandlerContext ctx, Throwable failure) {
    LOG.log(Level.SEVERE, "a relayed command failed inside the daemon", failure);
    reply(ctx, CommandReply.error(1, "credagent: internal error; the daemon log has details"));
  }

  private ChannelFuture line(ChannelHandlerContext ctx, String line) {
    return flush.write(ctx, ctx.alloc().buffer(line.length() + 1).writeBytes((line + "\n").getBytes(StandardCharsets.US_ASCII)));
  }

  private void reply(ChannelHandlerContext ctx, CommandReply reply) {
    if (answered) {
      // An error went out in its place (bytes past the standard input while the command ran) and
      // the connection closed: this reply never leaves, as if its client had gone away. It may
      // hold a secret (a new recovery key, whose slot must then be said), so it is wiped too.
      Arrays.fill(reply.out(), (byte) 0);
      reply.undelivered().run();
      return;
    }
    answered = true;
    byte[] header = ("exit " + reply.exitCode() + " " + reply.out().length + " " + reply.err().length + "\n")
        .getBytes(StandardCharsets.US_ASCII);
    ByteBuf out = ctx.alloc().buffer(header.length + reply.out().length + reply.err().length);
    out.writeBytes(header).writeBytes(reply.out()).writeBytes(reply.err());
    Arrays.fill(reply.out(), (byte) 0); // `credagent get` prints a secret
    out.retain(); // kept past the write, to be zeroed
    flush.write(ctx, out).addListener(written -> { // at the end of this turn, after the audit's write
      if (!written.isSuccess()) { // the native credagent went away first (a Ctrl-C while the command ran)
        reply.undelivered().run();
      }
      out.setZero(0, out.capacity());
      out.release();
      ctx.close();
    });
  }

  private static <T> CompletableFuture<T> safely(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException | Error e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
