package lbmesh.health;

import lbmesh.shared.launch.ServiceMain;

/** Starts health-service: joins the cluster and serves its admin port (LB_ADMIN_PORT, default 9100). */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    ServiceMain.run("health-service", 9100);
  }
}
