package lbmesh.shared.failover;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * Merge policy of {@code lb.failover} after a split heals: of the two copies of an entry, the one with
 * the higher epoch survives (ties keep the larger cluster's copy), so the epoch never goes back and a
 * decision of a newer leader is never replaced by an older one.
 */
public final class HigherEpochMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    long incoming = FailoverMap.epochOf(String.valueOf(merging.getValue()));
    long current = FailoverMap.epochOf(String.valueOf(existing.getValue()));
    return incoming > current ? merging.getRawValue() : existing.getRawValue();
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // stateless
  }

  @Override
  public void readData(ObjectDataInput in) {
    // stateless
  }
}
