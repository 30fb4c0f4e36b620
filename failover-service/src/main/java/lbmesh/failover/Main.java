package lbmesh.failover;

import lbmesh.shared.launch.ServiceMain;

/** Starts failover-service: joins the cluster and serves its admin port (LB_ADMIN_PORT, default 9200). */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceMain.run("failover-service", 9200);
  }
}
