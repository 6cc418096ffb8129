package dev.credagent.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

/**
 * Zeroes a relay answer's buffer once its write is done, sent or failed, then lets go of it. The
 * daemon's allocator is unpooled: a buffer is native memory freed as it is, and a helper's answer,
 * secret and all, stayed in the freed memory after Netty sent it (found in a running daemon's
 * /proc/PID/mem after a get whose frame came late). The write's own reference is released by
 * Netty when it is done; this one, taken before the write, keeps the memory ours until zeroed.
 */
final class ZeroOnceSent implements ChannelFutureListener {
  private final ByteBuf answer;

  private ZeroOnceSent(ByteBuf answer) {
    this.answer = answer;
  }

  /** Takes a reference to {@code answer}: call before it is written (a write may be done, and release it, at once). */
  static ZeroOnceSent hold(ByteBuf answer) {
    return new ZeroOnceSent(answer.retain());
  }

  @Override
  public void operationComplete(ChannelFuture written) {
    answer.setZero(0, answer.capacity());
    answer.release();
  }
}
