package dev.credagent.transport;

import dev.credagent.failure.ErrorCode;
import io.netty.handler.codec.DecoderException;

/**
 * Input the server will not go on reading, with the error code to answer it with: a request that
 * took too long to arrive, or unfinished input over the daemon's budget. The connection is
 * answered (after any requests it already sent) and closed.
 */
final class InputRejectedException extends DecoderException {
  private final ErrorCode code;

  InputRejectedException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  ErrorCode code() {
    return code;
  }
}
