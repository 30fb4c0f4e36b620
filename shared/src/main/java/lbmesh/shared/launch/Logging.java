package lbmesh.shared.launch;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.LogManager;

/** One-line log format for every service, and Hazelcast's chatter held to warnings. */
public final class Logging {
  private Logging() {
  }

  /** Loads {@code logging.properties} from the classpath unless the JVM was given its own. */
  public static void configure() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    try (InputStream in = Logging.class.getResourceAsStream("/logging.properties")) {
      if (in != null) {
        LogManager.getLogManager().readConfiguration(in);
      }
    } catch (IOException e) {
      System.err.println("logging configuration unreadable, using defaults: " + e);
    }
  }
}
