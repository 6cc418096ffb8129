package dev.credagent.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers leave at the end of the event-loop turn that made them, all together, after {@code
 * beforeAnswers} (the audit log's one write of the turn's lines: group commit, as the vault's
 * stores are). An answer is written into its channel at once and flushed here: so every line of
 * the audit log is in the file before the answer it records can reach a client, at one write(2)
 * per turn instead of one per answer. One per server, confined to its one event loop.
 */
final class AnswerFlush {
  private final Runnable beforeAnswers;
  private final AnswerBuffers buffers = new AnswerBuffers();
  private List<ChannelHandlerContext> dirty = new ArrayList<>();
  private boolean scheduled;
  /**
   * No answer was written since {@code beforeAnswers} last ran: a flush now needs no new run. A
   * connection closed when answered runs it at once ({@link #now}), and the end of the same turn
   * would run it a second time for nothing.
   */
  private boolean synced = true;

  AnswerFlush(Runnable beforeAnswers) {
    this.beforeAnswers = beforeAnswers;
  }

  /** Where answers are written, before {@link #write}. */
  AnswerBuffers buffers() {
    return buffers;
  }

  /** Frees what the server's answers kept: call once its event loop has stopped. */
  void close() {
    buffers.close();
  }

  /** Writes {@code answer} into {@code ctx} now; it leaves at the end of this turn, after {@code beforeAnswers}. */
  ChannelFuture write(ChannelHandlerContext ctx, Object answer) {
    ChannelFuture written = ctx.write(answer);
    synced = false;
    soon(ctx);
    return written;
  }

  /** Flushes {@code ctx} at the end of this turn (on its event loop), after {@code beforeAnswers}. */
  private void soon(ChannelHandlerContext ctx) {
    dirty.add(ctx);
    if (!scheduled) {
      scheduled = true;
      ctx.executor().execute(this::flushAll);
    }
  }

  /** Flushes {@code ctx} now, after {@code beforeAnswers}: before the channel is closed, which drops what is unflushed. */
  void now(ChannelHandlerContext ctx) {
    sync();
    ctx.flush();
  }

  private void flushAll() {
    scheduled = false;
    List<ChannelHandlerContext> flushing = dirty;
    dirty = new ArrayList<>();
    sync();
    for (ChannelHandlerContext ctx : flushing) {
      ctx.flush();
    }
  }

  private void sync() {
    if (!synced) {
      beforeAnswers.run();
      synced = true;
    }
  }
}
