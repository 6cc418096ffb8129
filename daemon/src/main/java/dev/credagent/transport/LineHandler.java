package dev.credagent.transport;

import dev.credagent.protocol.ErrorCode;
import dev.credagent.protocol.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Newline-delimited JSON: one request line in, one response line out, in order, however long an
 * op takes on the vault's thread.
 */
final class LineHandler extends SimpleChannelInboundHandler<ByteBuf> {
  private static final Logger LOG = Logger.getLogger(LineHandler.class.getName());

  private final RequestHandler requests;
  private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

  LineHandler(RequestHandler requests) {
    this.requests = requests;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    byte[] line = ByteBufUtil.getBytes(frame);
    // The frame may hold a passphrase or a secret: leave nothing of it in Netty's buffers.
    frame.setZero(frame.readerIndex(), frame.readableBytes());
    if (isBlank(line)) {
      return;
    }
    previous = previous
        .thenCompose(ignored -> requests.handle(line))
        .thenAccept(response -> send(ctx, response));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      previous = previous.thenAccept(ignored -> send(ctx, Response.error(ErrorCode.TOO_LARGE,
          "request line longer than " + AgentServer.MAX_LINE_BYTES + " bytes; it was discarded")));
      return;
    }
    LOG.log(Level.WARNING, "closing a connection after an error: " + cause);
    ctx.close();
  }

  static void send(ChannelHandlerContext ctx, Response response) {
    byte[] line = response.toLine();
    boolean secret = response.carriesSecret();
    response.close();
    ctx.writeAndFlush(Unpooled.wrappedBuffer(line)).addListener(written -> {
      if (secret) {
        Arrays.fill(line, (byte) 0);
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
