package lbmesh.gateway.balance;

import static lbmesh.gateway.balance.Fixtures.equalServers;
import static lbmesh.gateway.balance.Fixtures.servers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MaglevTableTest {

  @Test
  void maglevSlotsFollowServerWeights() {
    MaglevTable table = new MaglevTable(servers(500, 300, 200));
    int[] slots = new int[3];
    for (long key = 0; key < table.tableSize(); key++) {
      slots[table.lookup(key, Balancer.ALL_USABLE)]++; // key k maps to slot k
    }
    assertEquals(0.50, slots[0] / (double) table.tableSize(), 0.005);
    assertEquals(0.30, slots[1] / (double) table.tableSize(), 0.005);
    assertEquals(0.20, slots[2] / (double) table.tableSize(), 0.005);
  }

  @Test
  void maglevGivesEqualServersNearlyEqualSlots() {
    MaglevTable table = new MaglevTable(equalServers("backend-", 30));
    int[] slots = new int[30];
    for (long key = 0; key < table.tableSize(); key++) {
      slots[table.lookup(key, Balancer.ALL_USABLE)]++;
    }
    double fair = table.tableSize() / 30.0;
    for (int count : slots) {
      assertEquals(fair, count, fair * 0.02);
    }
  }

  @Test
  void maglevTableSizeIsPrimeAndGrowsWithServers() {
    assertEquals(65537, MaglevTable.tableSizeFor(3));
    assertEquals(65537, MaglevTable.tableSizeFor(300));
    int large = MaglevTable.tableSizeFor(2000);
    assertTrue(large >= 200_000 && MaglevTable.isPrime(large), "size " + large);
  }

  @Test
  void maglevTablesFromTheSameSetAgreeWhateverTheInputOrder() {
    List<BalancedServer> servers = new ArrayList<>(servers(3, 1, 4, 1, 5, 9, 2, 6));
    MaglevTable reference = new MaglevTable(servers);
    Random random = new Random(5);
    for (int trial = 0; trial < 5; trial++) {
      List<BalancedServer> shuffled = new ArrayList<>(servers);
      Collections.shuffle(shuffled, random);
      MaglevTable other = new MaglevTable(shuffled);
      for (long key = 0; key < reference.tableSize(); key++) {
        assertEquals(servers.get(reference.lookup(key, Balancer.ALL_USABLE)).id(),
            shuffled.get(other.lookup(key, Balancer.ALL_USABLE)).id());
      }
    }
  }

  @Test
  void maglevRejectsDuplicateServerIds() {
    List<BalancedServer> servers = List.of(new BalancedServer("a", 1), new BalancedServer("a", 2));
    assertThrows(IllegalArgumentException.class, () -> new MaglevTable(servers));
  }

  @Test
  void maglevWithNoServersFindsNone() {
    assertEquals(-1, new MaglevTable(List.of()).lookup(123, Balancer.ALL_USABLE));
  }

  @Test
  void maglevFindsTheLastUsableServerEvenWhenTheWalkMissesIt() {
    // s0 owns ~all the slots, so walking forward from a key's slot rarely meets s1 within the walk.
    MaglevTable table = new MaglevTable(servers(1_000_000, 1));
    for (long key = 0; key < 1000; key++) {
      assertEquals(1, table.lookup(key * 7919, index -> index == 1));
    }
  }
}
