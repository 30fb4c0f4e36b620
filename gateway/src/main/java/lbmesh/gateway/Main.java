package lbmesh.gateway;

import lbmesh.shared.launch.ServiceMain;

/** Starts a gateway: joins the cluster and serves its admin port (LB_ADMIN_PORT, default 9080). */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceMain.run("gateway", 9080);
  }
}
