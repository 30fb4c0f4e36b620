package lbmesh.health.check;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.http.HttpClosedException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/** Turns a network failure into the short reason that health events carry. */
final class FailureReason {
  static final String TIMEOUT = "timeout";
  static final String REFUSED = "connection refused";

  private FailureReason() {
  }

  static String of(Throwable e) {
    // ConnectTimeoutException is a ConnectException: test it first
    if (e instanceof ConnectTimeoutException || e instanceof TimeoutException) {
      return TIMEOUT;
    }
    String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
    if (e instanceof NoRouteToHostException) {
      return "no route to host";
    }
    if (e instanceof ConnectException) {
      return message.contains("refused") ? REFUSED : "connect failed: " + e.getMessage();
    }
    if (e instanceof UnknownHostException) {
      return "unknown host";
    }
    if (e instanceof HttpClosedException || message.contains("closed")) {
      return "connection closed";
    }
    if (message.contains("reset")) {
      return "connection reset";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
