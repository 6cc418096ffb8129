import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A third anchor of bench/throughput: Netty alone, run with the daemon's JVM options, answering
 * every request line with a fixed ok line and keeping the daemon's order (a fixed audit line per
 * request; a turn's lines written with one write, then that turn's answers flushed). No JSON, no
 * vault, no service: what the daemon's runtime and transport cost before the daemon does anything.
 * Launched as a source file: java -cp NETTY-JARS NettyFloor.java SOCKET AUDIT-FILE [close]
 *
 * <p>With {@code close} (bench/connect-roundtrip): one request per connection, as the native
 * helper makes it; the first line is answered as the daemon answers a helper frame, then the
 * connection closes. What a connection costs Netty and this JVM with nothing of the daemon's in it.
 */
public final class NettyFloor {
  private static final byte[] ANSWER = ("{\"v\":1,\"ok\":true,\"server\":\"registry-0500.example.com\","
      + "\"username\":\"user-0500\",\"secret\":\"token-0500\"}\n").getBytes(StandardCharsets.US_ASCII);
  private static final byte[] AUDIT_LINE = ("{\"time\":\"2026-12-05T03:55:40.431986691Z\",\"op\":\"get\","
      + "\"server\":\"registry-0500.example.com\",\"pid\":13429,\"exe\":\"/tmp/tmp.ToG1QajCZu/driver\",\"ppid\":13292,"
      + "\"parentExe\":\"/usr/bin/bash\",\"key\":\"registry-0500.example.com\",\"outcome\":\"ok\"}\n")
      .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] RELAY_ANSWER = ("0 70\n{\"ServerURL\":\"reg.example\",\"Username\":\"bench\","
      + "\"Secret\":\"s3cret-token\"}").getBytes(StandardCharsets.US_ASCII);
  private static boolean closing;
  private static final long AUDIT_MAX = 4 << 20;

  // All on the one event loop, as the daemon's AnswerFlush is.
  private static FileChannel audit;
  private static final ByteBuffer lines = ByteBuffer.allocate(1 << 20);
  private static long written;
  private static final List<ChannelHandlerContext> dirty = new ArrayList<>();
  private static boolean scheduled;

  public static void main(String[] args) throws Exception {
    closing = args.length > 2 && args[2].equals("close");
    audit = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel child) {
            child.pipeline().addLast(new LineBasedFrameDecoder(1 << 16), new SimpleChannelInboundHandler<ByteBuf>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, ByteBuf request) {
                if (lines.remaining() < AUDIT_LINE.length) {
                  writeLines(); // still before any answer of the turn
                }
                lines.put(AUDIT_LINE);
                byte[] answer = closing ? RELAY_ANSWER : ANSWER;
                ChannelFuture sent = ctx.write(ctx.alloc().directBuffer(answer.length).writeBytes(answer));
                if (closing) {
                  sent.addListener(ChannelFutureListener.CLOSE);
                }
                dirty.add(ctx);
                if (!scheduled) {
                  scheduled = true;
                  ctx.executor().execute(NettyFloor::endOfTurn);
                }
              }
            });
          }
        }).bind(new DomainSocketAddress(args[0])).sync();
    Thread.currentThread().join();
  }

  private static void endOfTurn() {
    scheduled = false;
    writeLines();
    for (ChannelHandlerContext ctx : dirty) {
      ctx.flush();
    }
    dirty.clear();
  }

  private static void writeLines() {
    try {
      lines.flip();
      if (written + lines.remaining() > AUDIT_MAX) { // the daemon rotates; emptying the file costs as little
        audit.truncate(0);
        written = 0;
      }
      written += lines.remaining();
      while (lines.hasRemaining()) {
        audit.write(lines);
      }
      lines.clear();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
