package lbmesh.registry;

public final class Main {
  public static void main(String[] args) {}
}
