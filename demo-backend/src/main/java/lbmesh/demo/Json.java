package lbmesh.demo;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Writes a JSON body; every answer of the backend except streamed bodies goes through here. */
final class Json {

  private Json() {}

  static void send(HttpServerResponse response, JsonObject body) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body.toBuffer());
  }
}
