package lbmesh.gateway.proxy;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** HTTP/1.1 spoken by hand over a socket, for tests that need exactly the bytes a client or server sends. */
final class RawHttp {
  private RawHttp() {
  }

  /** An answer as read off the wire: status, headers (case-insensitive names) and body. */
  record Answer(int status, Map<String, String> headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static void send(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(bytes(text));
    out.flush();
  }

  /** One line without its CR LF, or null when the connection closed before its first byte. */
  static String lineOrNull(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        if (b.size() == 0) {
          return null;
        }
        throw new IOException("connection closed mid-line");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  static String line(InputStream in) throws IOException {
    String l = lineOrNull(in);
    if (l == null) {
      throw new IOException("connection closed");
    }
    return l;
  }

  static int chunkSize(String l) {
    int semi = l.indexOf(';');
    return Integer.parseInt((semi < 0 ? l : l.substring(0, semi)).trim(), 16);
  }

  static Answer read(InputStream in) throws IOException {
    return read(in, false);
  }

  /** One answer: no body for `noBody` (HEAD, 204, 304), else by Content-Length, chunked, or to the close. */
  static Answer read(InputStream in, boolean noBody) throws IOException {
    String status = line(in);
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim(), l.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (noBody) {
      // the status says there is none
    } else if (headers.containsKey("Content-Length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("Content-Length"))));
    } else if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
      for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
        body.write(in.readNBytes(size));
        line(in);
      }
      line(in);
    } else {
      body.write(in.readAllBytes());
    }
    return new Answer(Integer.parseInt(status.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
  }
}
