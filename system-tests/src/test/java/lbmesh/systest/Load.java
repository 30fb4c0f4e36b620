package lbmesh.systest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * A bounded load: a few loops, each sending one GET after another (keep-alive) to the URL it is given for
 * each request, every request bounded by a timeout. Every answer is recorded (when, status, X-LB-Server),
 * so a test can count failures and timeouts and see which servers answered before and after an event.
 */
public final class Load implements AutoCloseable {
  /** One request: its start (nanoTime), its status (0: no answer), the server named, and whether it timed out. */
  public record Sample(long startNanos, long endNanos, int status, String server, boolean timedOut, String error) {
    public boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
  private final List<Thread> loops = new ArrayList<>();
  private final Duration timeout;
  private final long deadline;
  private volatile boolean stopped;

  /**
   * Starts {@code loops} loops; loop {@code i} sends each request to {@code target.apply(i)}. They stop at
   * {@link #stop()} or after {@code bound}, whichever comes first.
   */
  public Load(int loopCount, Duration bound, Duration timeout, IntFunction<URI> target) {
    this.timeout = timeout;
    this.deadline = System.nanoTime() + bound.toNanos();
    for (int i = 0; i < loopCount; i++) {
      URI uri = target.apply(i);
      Thread t = new Thread(() -> run(uri), "load-" + i);
      t.setDaemon(true);
      loops.add(t);
      t.start();
    }
  }

  private void run(URI uri) {
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    while (!stopped && System.nanoTime() < deadline) {
      long t0 = System.nanoTime();
      try {
        // the whole exchange is bounded, the body included
        HttpResponse<String> r = http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        samples.add(new Sample(t0, System.nanoTime(), r.statusCode(), r.headers().firstValue("X-LB-Server").orElse(null),
            false, null));
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        boolean timedOut = e instanceof TimeoutException || e.getCause() instanceof java.net.http.HttpTimeoutException;
        samples.add(new Sample(t0, System.nanoTime(), 0, null, timedOut, String.valueOf(e.getCause() == null ? e : e.getCause())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Stops the loops and waits for their last requests (each is bounded by the timeout). */
  public Load stop() throws InterruptedException {
    stopped = true;
    for (Thread t : loops) {
      t.join(timeout.toMillis() + 5000);
    }
    return this;
  }

  public List<Sample> samples() {
    return List.copyOf(samples);
  }

  public long count() {
    return samples.size();
  }

  /** Answers per status (0: no answer) and per server, failures and timeouts, as one line. */
  public String summary() {
    Map<Integer, Integer> byStatus = new TreeMap<>();
    Map<String, Integer> byServer = new TreeMap<>();
    int timeouts = 0;
    long maxMs = 0;
    for (Sample s : samples) {
      byStatus.merge(s.status(), 1, Integer::sum);
      if (s.server() != null) {
        byServer.merge(s.server(), 1, Integer::sum);
      }
      if (s.timedOut()) {
        timeouts++;
      }
      maxMs = Math.max(maxMs, (s.endNanos() - s.startNanos()) / 1_000_000);
    }
    return samples.size() + " requests, " + failures().size() + " failed (" + timeouts + " timed out after "
        + timeout.toMillis() + " ms), slowest " + maxMs + " ms; by status " + byStatus + "; by server " + byServer;
  }

  /** Requests that got no 2xx answer. */
  public List<Sample> failures() {
    return samples.stream().filter(s -> !s.ok()).toList();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
