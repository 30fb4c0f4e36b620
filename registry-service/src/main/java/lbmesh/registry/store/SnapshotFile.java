package lbmesh.registry.store;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import lbmesh.shared.model.RegistrySnapshot;

/**
 * The registry's durable copy on disk: one JSON file replaced atomically (temp file, fsync, rename,
 * fsync of the directory), so a crash at any instant leaves either the old or the new state, whole.
 */
public final class SnapshotFile {
  static final String NAME = "registry.json";
  private final Path dir;
  private final Path file;

  public SnapshotFile(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(NAME);
  }

  public Path path() {
    return file;
  }

  /** The stored state, or null when there is none yet. Blocking. */
  public RegistrySnapshot read() throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return RegistrySnapshot.fromJson(new JsonObject(text));
  }

  /** Replaces the stored state; returns only once the new state is durable. Blocking. */
  public void write(RegistrySnapshot state) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(NAME + ".tmp");
    byte[] bytes = state.toJson().encodePrettily().getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // the rename itself is durable only once the directory entry is flushed
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
