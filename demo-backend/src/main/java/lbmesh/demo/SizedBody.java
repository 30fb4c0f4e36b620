package lbmesh.demo;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** Streams a body of an exact length, one reused chunk at a time, following back-pressure. */
final class SizedBody {

  private static final int CHUNK_SIZE = 64 * 1024;
  /**
   * One read-only chunk shared by every response: Vert.x writes a slice of it, so reusing it costs
   * no copy and no allocation however big the body is.
   */
  private static final Buffer CHUNK = pattern(CHUNK_SIZE);

  private final HttpServerResponse response;
  private long remaining;

  private SizedBody(HttpServerResponse response, long size) {
    this.response = response;
    this.remaining = size;
  }

  /** Sends {@code size} bytes as the whole body of {@code response} and ends it. */
  static void send(HttpServerResponse response, long size) {
    response
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
        .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(size));
    new SizedBody(response, size).pump();
  }

  private boolean ended;

  private void pump() {
    if (ended) {
      return; // a drain after the last write: Vert.x may call it once more
    }
    while (remaining > 0 && !response.writeQueueFull()) {
      if (response.closed()) {
        return; // the client went away: stop producing
      }
      int n = (int) Math.min(CHUNK_SIZE, remaining);
      response.write(n == CHUNK_SIZE ? CHUNK : CHUNK.slice(0, n));
      remaining -= n;
    }
    if (remaining > 0) {
      response.drainHandler(v -> pump());
    } else if (!response.closed()) {
      ended = true;
      response.drainHandler(null);
      response.end();
    }
  }

  /** Printable bytes, so a body dumped in a terminal stays readable. */
  private static Buffer pattern(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return Buffer.buffer(bytes);
  }
}
