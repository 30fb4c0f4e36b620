/**
 * Balancing algorithms: one class per algorithm behind {@link lbmesh.gateway.balance.Balancer}, each built
 * from an immutable server list, with no I/O, no clock and no Vert.x or Hazelcast types. The proxy asks
 * "which server for this request?" and gets back an index into that list.
 */
package lbmesh.gateway.balance;
