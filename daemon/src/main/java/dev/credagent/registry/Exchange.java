package dev.credagent.registry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a registry or its token server, bounded as a whole: HttpClient's own
 * timeout covers only the wait for the response headers, so a server that sends
 * {@code Content-Length: 1000000}, one byte and then nothing held a login for minutes, and one
 * that streamed 1.5 GiB filled the heap. Here a deadline covers connect, headers and body, and a
 * body past {@link #MAX_BODY_BYTES} is refused as it arrives.
 */
public final class Exchange {
  /** Connect, headers and body, all of it. */
  public static final Duration DEADLINE = Duration.ofSeconds(30);
  /** A token answer is a few KiB; a /v2/ answer's body is not read at all. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  private Exchange() {}

  /** Sends {@code request} and reads at most {@link #MAX_BODY_BYTES} of the answer, all within {@link #DEADLINE}. */
  public static HttpResponse<byte[]> send(HttpClient client, HttpRequest request) throws IOException, InterruptedException {
    return send(client, request, DEADLINE, MAX_BODY_BYTES);
  }

  static HttpResponse<byte[]> send(HttpClient client, HttpRequest request, Duration deadline, int maxBody)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request, info -> new Bounded(maxBody));
    try {
      return exchange.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new HttpTimeoutException(request.uri().getHost() + " did not answer in full within " + deadline.toSeconds() + " s");
    } catch (InterruptedException e) {
      exchange.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause == null ? "the exchange failed" : cause.toString(), cause);
    }
  }

  /** A body as bytes, refused once it passes its limit (the connection is then dropped, not drained). */
  private static final class Bounded implements HttpResponse.BodySubscriber<byte[]> {
    private final int max;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    Bounded(int max) {
      this.max = max;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + buffer.remaining() > max) {
          subscription.cancel();
          wipe();
          body.completeExceptionally(new IOException("the answer is larger than " + max / 1024 + " KiB"));
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.writeBytes(chunk);
        Arrays.fill(chunk, (byte) 0);
      }
    }

    @Override
    public void onError(Throwable failure) {
      wipe();
      body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
      byte[] whole = bytes.toByteArray();
      wipe();
      body.complete(whole);
    }

    /** The buffer may hold a token: overwritten before it goes. */
    private void wipe() {
      int size = bytes.size();
      bytes.reset();
      bytes.write(new byte[size], 0, size);
      bytes.reset();
    }
  }
}
