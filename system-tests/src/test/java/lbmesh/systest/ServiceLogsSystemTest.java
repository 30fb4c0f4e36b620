package lbmesh.systest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After every other scenario (last in the suite's order): no service logged Vert.x's blocked-thread
 * warning, i.e. no event loop or worker was held past Vert.x's limit while the suite drove the mesh.
 */
@Order(100)
@ExtendWith(MeshExtension.class)
class ServiceLogsSystemTest {
  private static final String BLOCKED = "has been blocked for";
  private static final int CONTEXT_LINES = 25;

  @Test
  void noServiceLoggedABlockedThread(Mesh mesh) throws IOException {
    List<Path> logs = mesh.logFiles();
    assertFalse(logs.isEmpty(), "no logs in " + mesh.stateDir().resolve("logs"));
    List<String> found = new ArrayList<>();
    int total = 0;
    for (Path log : logs) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      int inFile = 0;
      for (int i = 0; i < lines.size(); i++) {
        if (!lines.get(i).contains(BLOCKED)) {
          continue;
        }
        inFile++;
        if (inFile <= 3) { // the first three of each file, with their stack
          StringBuilder sb = new StringBuilder(log.getFileName() + ":" + (i + 1) + ":\n");
          for (int j = i; j < Math.min(lines.size(), i + CONTEXT_LINES); j++) {
            if (j > i && !lines.get(j).startsWith("\t") && !lines.get(j).startsWith("io.vertx.core.VertxException")
                && !lines.get(j).startsWith("Caused by")) {
              break; // the next log record
            }
            sb.append("    ").append(lines.get(j)).append('\n');
          }
          found.add(sb.toString());
        }
      }
      if (inFile > 0) {
        found.add(log.getFileName() + ": " + inFile + " blocked-thread warning(s) in all");
      }
      total += inFile;
    }
    Mesh.log("blocked-thread warnings in the service logs: " + total + (found.isEmpty() ? "" : "\n" + String.join("\n", found)));
    assertTrue(found.isEmpty(), total + " blocked-thread warnings (\"" + BLOCKED + "\"):\n" + String.join("\n", found));
  }
}
