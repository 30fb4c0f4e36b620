package lbmesh.systest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a plain socket, for what java.net.http cannot do: choose the source
 * address (127.0.0.0/8 all works on Linux loopback), so that gateways see distinct client IPs. One
 * request per connection ({@code Connection: close}).
 */
public final class RawHttp {
  private static final int MAX_BYTES = 1 << 20;

  private RawHttp() {
  }

  /** GET {@code path} from 127.0.0.1:{@code port}, from source address {@code local} (null: any). */
  public static Answer get(InetAddress local, int port, String path, Map<String, String> headers, int timeoutMs)
      throws IOException {
    try (Socket s = new Socket()) {
      s.setSoTimeout(timeoutMs);
      s.setReuseAddress(true);
      if (local != null) {
        s.bind(new InetSocketAddress(local, 0));
      }
      s.connect(new InetSocketAddress(Mesh.HOST, port), timeoutMs);
      StringBuilder req = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n")
          .append("Host: ").append(Mesh.HOST).append(':').append(port).append("\r\n")
          .append("Connection: close\r\n");
      headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(s.getInputStream());
    }
  }

  private static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0; // the last four bytes read: the head ends at CR LF CR LF
    while (last4 != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed inside the answer's head: " + head.toString(StandardCharsets.ISO_8859_1));
      }
      head.write(b);
      last4 = (last4 << 8) | b;
      if (head.size() > MAX_BYTES) {
        throw new IOException("answer head over " + MAX_BYTES + " bytes");
      }
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: " + lines[0]);
    }
    int status = Integer.parseInt(statusLine[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).trim());
      }
    }
    List<String> cl = headers.get("content-length");
    byte[] body;
    if (cl != null) {
      int n = Integer.parseInt(cl.get(0));
      if (n > MAX_BYTES) {
        throw new IOException("body over " + MAX_BYTES + " bytes");
      }
      body = in.readNBytes(n);
      if (body.length < n) {
        throw new IOException("body cut at " + body.length + " of " + n + " bytes");
      }
    } else {
      body = in.readNBytes(MAX_BYTES); // until the close (chunked bodies stay encoded: the suite reads no such body)
    }
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }
}
