package lbmesh.health;

public final class Main {
  public static void main(String[] args) {}
}
