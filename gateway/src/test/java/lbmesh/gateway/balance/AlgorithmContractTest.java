package lbmesh.gateway.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AlgorithmContractTest {
  @Test
  void everyAlgorithmThePoolSchemaAcceptsHasABalancerAndNoMore() throws Exception {
    // the pool schema in shared/ is the one definition of the accepted names; this keeps the two in step
    try (var in = getClass().getResourceAsStream("/lbmesh/schema/pool.json")) {
      JsonObject schema = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      Set<Object> accepted = Set.copyOf(schema.getJsonObject("properties").getJsonObject("algorithm")
          .getJsonArray("enum").getList());
      Set<Object> implemented = Arrays.stream(Algorithm.values()).map(Algorithm::wireName).collect(Collectors.toSet());
      assertEquals(accepted, implemented);
    }
  }
}
