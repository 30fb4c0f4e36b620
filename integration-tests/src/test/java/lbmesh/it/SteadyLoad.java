package lbmesh.it;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A few clients sending requests through a gateway back to back, each answer recorded with the time it
 * arrived and the server that gave it ({@code X-LB-Server}). Bounded: it stops at {@link #stop()} or at
 * its deadline, whichever comes first.
 */
final class SteadyLoad {
  /** One answer: when it arrived (epoch ms), its status, and the server that answered (null if none said). */
  record Answer(long at, int status, String server) {
  }

  private final HttpClient client;
  private final int port;
  private final long deadlineNanos;
  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final List<Future<Void>> clients = new ArrayList<>();
  private volatile boolean stopped;

  private SteadyLoad(Vertx vertx, int port, int clients, long maxMillis) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(clients));
    this.port = port;
    this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
  }

  /** Starts `clients` request loops against the gateway on `port`, for at most `maxMillis`. */
  static SteadyLoad start(Vertx vertx, int port, int clients, long maxMillis) {
    SteadyLoad load = new SteadyLoad(vertx, port, clients, maxMillis);
    for (int i = 0; i < clients; i++) {
      Promise<Void> done = Promise.promise();
      load.clients.add(done.future());
      load.next(done);
    }
    return load;
  }

  private void next(Promise<Void> done) {
    if (stopped || System.nanoTime() > deadlineNanos) {
      done.tryComplete();
      return;
    }
    client.request(new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/"))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Answer(System.currentTimeMillis(),
            resp.statusCode(), resp.getHeader("X-LB-Server")))))
        .onComplete(ar -> {
          answers.add(ar.succeeded() ? ar.result() : new Answer(System.currentTimeMillis(), 0, null));
          next(done);
        });
  }

  /** Answers that arrived at or after `from` and before `to` (epoch ms) and match `which`. */
  long count(long from, long to, Predicate<Answer> which) {
    return answers.stream().filter(a -> a.at() >= from && a.at() < to && which.test(a)).count();
  }

  /** How many answers of each status (0: no answer) arrived in [from, to), for failure messages. */
  java.util.Map<Integer, Long> statuses(long from, long to) {
    return answers.stream().filter(a -> a.at() >= from && a.at() < to)
        .collect(java.util.stream.Collectors.groupingBy(Answer::status, java.util.TreeMap::new,
            java.util.stream.Collectors.counting()));
  }

  long total() {
    return answers.size();
  }

  /** Stops the loops and waits for the requests in flight. */
  void stop() throws Exception {
    stopped = true;
    Future.join(clients).await(10, TimeUnit.SECONDS);
    client.close().await(5, TimeUnit.SECONDS);
  }
}
