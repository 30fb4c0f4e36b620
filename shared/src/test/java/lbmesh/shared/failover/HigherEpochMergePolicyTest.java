package lbmesh.shared.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

class HigherEpochMergePolicyTest {
  record Value(String v) implements MergingValue<Object> {
    @Override
    public Object getValue() {
      return v;
    }

    @Override
    public Object getRawValue() {
      return v;
    }
  }

  private final HigherEpochMergePolicy policy = new HigherEpochMergePolicy();

  @Test
  void theCopyWithTheHigherEpochSurvivesAMerge() {
    assertEquals("7", policy.merge(new Value("7"), new Value("5")), "the merging side's newer epoch");
    assertEquals("7", policy.merge(new Value("5"), new Value("7")), "the existing newer epoch");
    String newer = FailoverMap.leaderJson("f-2", 9, 0).encode();
    String older = FailoverMap.leaderJson("f-1", 8, 0).encode();
    assertEquals(newer, policy.merge(new Value(older), new Value(newer)));
    assertEquals(older, policy.merge(new Value(older), null), "an entry only one side has");
    assertEquals(newer, policy.merge(new Value(FailoverMap.leaderJson("f-3", 9, 0).encode()), new Value(newer)),
        "a tie keeps the larger cluster's copy");
  }
}
