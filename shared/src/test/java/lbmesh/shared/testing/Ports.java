package lbmesh.shared.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for servers a test starts and binds later (a gateway's traffic and admin ports). */
public final class Ports {
  /**
   * Drawn below Linux's ephemeral range (32768-60999): a port the kernel handed out and took back (a
   * ServerSocket(0) closed again) can go to any test's outgoing connection before the server binds it,
   * which failed a gateway's bind with "Address already in use"; one from here cannot. Clear of the other
   * fixed ports the tests and benches use (5701+, 5801+, 17001+, 18080+, 19000+, 2xxxx).
   */
  static final int FROM = 10_000;
  static final int TO = 16_000;

  private Ports() {
  }

  /** A port that nothing listens on now, on any address. */
  public static int free() throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(FROM, TO);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(port));
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    throw new IOException("no free port in " + FROM + "-" + TO + " after 200 tries");
  }
}
